/* sweeper.c - see sweeper.h. */
#include "app/sweeper.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/instant.h"
#include "core/online.h"
#include "util/log.h"
#include "util/mono.h"

#define RETRY_MS 10000    /* after a failed sweep                              */
#define MAX_WAIT_MS 60000 /* look at the clock at least this often (it may jump) */

struct pd_sweeper {
    pd_store *store;
    pd_sweep_fn on_sweep;
    void *ctx;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    pthread_t thread;
};

/* "2019-05-31" for a day since 1970-01-01 into buf (16 bytes). */
static void format_day(int64_t day, char *buf, size_t cap)
{
    int64_t y;
    unsigned m, d;
    pd_civil_from_days(day, &y, &m, &d);
    snprintf(buf, cap, "%04lld-%02u-%02u", (long long)y, m, d);
}

static int64_t store_day(pd_store *s)
{
    return pd_day_of((pd_instant){.sec = pd_store_now(s), .nsec = 0});
}

int pd_sweep_once(pd_store *store, pd_online_report *rep, pd_error *err)
{
    int64_t day = store_day(store), t0 = pd_mono_ms();
    memset(rep, 0, sizeof *rep);
    int rc = pd_app_online_advance(store, day, rep, err);
    if (rc) {
        PD_LOG(PD_LOG_ERROR, "online sweep failed", PD_LOG_STR("error", err->msg));
        return rc;
    }
    char from[16], to[16];
    format_day(rep->from_day, from, sizeof from);
    format_day(rep->to_day, to, sizeof to);
    PD_LOG(PD_LOG_INFO, "online sweep", PD_LOG_STR("from_day", from), PD_LOG_STR("to_day", to),
           PD_LOG_BOOL("policy_changed", rep->policy_changed),
           PD_LOG_BOOL("recomputed", rep->recomputed),
           PD_LOG_UINT("creators_touched", rep->creators_touched),
           PD_LOG_UINT("gained", rep->gained), PD_LOG_UINT("lost", rep->lost),
           PD_LOG_INT("ms", pd_mono_ms() - t0));
    return PD_OK;
}

/* Waits up to ms or until stopped; returns 1 when stopped. Under sw->mu. */
static int wait_ms(pd_sweeper *sw, int64_t ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    while (!sw->stop && pthread_cond_timedwait(&sw->cv, &sw->mu, &until) != ETIMEDOUT)
        ;
    return sw->stop;
}

static void *run(void *arg)
{
    pd_sweeper *sw = arg;
    int64_t done_day = INT64_MIN; /* the store day of the last good sweep */
    pthread_mutex_lock(&sw->mu);
    while (!sw->stop) {
        int64_t day = store_day(sw->store);
        int64_t next_ms;
        if (day != done_day) {
            pthread_mutex_unlock(&sw->mu);
            pd_online_report rep;
            pd_error err = {0};
            int rc = pd_sweep_once(sw->store, &rep, &err);
            if (rc == PD_OK && sw->on_sweep)
                sw->on_sweep(sw->ctx, &rep);
            pthread_mutex_lock(&sw->mu);
            if (rc) {
                next_ms = RETRY_MS;
            } else {
                done_day = day;
                continue; /* look at the clock again */
            }
        } else {
            /* until just after the next midnight of the store's clock */
            struct timespec rt;
            clock_gettime(CLOCK_REALTIME, &rt);
            int64_t now = pd_store_now(sw->store);
            int64_t midnight = (day + 1) * 86400;
            next_ms = (midnight - now) * 1000 - rt.tv_nsec / 1000000 + 20;
            if (next_ms < 20)
                next_ms = 20;
            if (next_ms > MAX_WAIT_MS)
                next_ms = MAX_WAIT_MS;
        }
        if (wait_ms(sw, next_ms))
            break;
    }
    pthread_mutex_unlock(&sw->mu);
    return NULL;
}

int pd_sweeper_start(pd_store *store, pd_sweep_fn on_sweep, void *ctx, pd_sweeper **out,
                     pd_error *err)
{
    *out = NULL;
    pd_sweeper *sw = calloc(1, sizeof *sw);
    if (!sw)
        return pd_error_set(err, PD_ENOMEM, "sweeper: out of memory");
    sw->store = store;
    sw->on_sweep = on_sweep;
    sw->ctx = ctx;
    pthread_mutex_init(&sw->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&sw->cv, &ca);
    pthread_condattr_destroy(&ca);
    int e = pthread_create(&sw->thread, NULL, run, sw);
    if (e) {
        pthread_cond_destroy(&sw->cv);
        pthread_mutex_destroy(&sw->mu);
        free(sw);
        return pd_error_set(err, PD_ENOMEM, "sweeper: cannot start a thread: %s", strerror(e));
    }
    *out = sw;
    return PD_OK;
}

void pd_sweeper_stop(pd_sweeper *sw)
{
    if (!sw)
        return;
    pthread_mutex_lock(&sw->mu);
    sw->stop = 1;
    pthread_cond_broadcast(&sw->cv);
    pthread_mutex_unlock(&sw->mu);
    pthread_join(sw->thread, NULL);
    pthread_cond_destroy(&sw->cv);
    pthread_mutex_destroy(&sw->mu);
    free(sw);
}
