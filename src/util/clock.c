/* clock.c - see clock.h. */
#include "util/clock.h"

#include <time.h>

static int64_t system_now(void)
{
    return (int64_t)time(NULL);
}

pd_clock pd_clock_system(void)
{
    return (pd_clock){.offset = 0, .at = 0, .fixed = 0};
}

pd_clock pd_clock_starting_at(int64_t at)
{
    return (pd_clock){.offset = at - system_now(), .at = 0, .fixed = 0};
}

pd_clock pd_clock_fixed(int64_t at)
{
    return (pd_clock){.offset = 0, .at = at, .fixed = 1};
}

int64_t pd_clock_now(const pd_clock *c)
{
    if (c && c->fixed)
        return c->at;
    return system_now() + (c ? c->offset : 0);
}

void pd_clock_set(pd_clock *c, int64_t at)
{
    if (c->fixed)
        c->at = at;
    else
        c->offset = at - system_now();
}

void pd_clock_advance(pd_clock *c, int64_t seconds)
{
    if (c->fixed)
        c->at += seconds;
    else
        c->offset += seconds;
}
