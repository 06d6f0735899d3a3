/*
 * post.h - what the platform keeps of a post, and who decides each part.
 *
 * A post has an id, a creator, a time, a kind and four counters (views,
 * likes, comments, collects). Two sources bring posts:
 *
 * - The platform's feed (an operator's posts.csv import, `partnerd import`):
 *   every part, under the feed's own ids, 1 to PD_POST_ID_FEED_MAX. Its
 *   counters change later through the same feed (PUT /api/posts/ID/metrics).
 * - Publishing (POST /api/creators/ID/posts, by the creator or an
 *   operator): only the kind. The id is the store's, the next one above
 *   the feed's range (so that no publisher can take an id the feed will
 *   bring), the time is the server's clock, the counters start at 0 and
 *   only the feed moves them.
 *
 * The kind is the publisher's declaration, made once: "sponsored" discloses
 * a paid collaboration (it counts against the creator's organic-to-sponsored
 * ratio and sponsored-post limits, so a creator can only tighten their own
 * verdict with it), "organic" says no one paid for it. Nothing changes the
 * kind of a stored post. (When deals exist, a sponsored post is bound to its
 * deal and a deal's post is sponsored.)
 *
 * Every id here is below 2^53, exact in any JSON reader. Pure definitions
 * and one pure function.
 */
#ifndef PD_POST_H
#define PD_POST_H

#include <stdint.h>

#include "core/instant.h"

#define PD_POST_ID_FEED_MAX INT64_C(9000000000000000)      /* the feed's ids: 1 to this */
#define PD_POST_ID_PUBLISHED_MIN INT64_C(9000000000000001) /* published: from this ...    */
#define PD_POST_ID_PUBLISHED_MAX INT64_C(9007199254740991) /* ... to 2^53 - 1             */

/* The earliest time a post may carry: 2000-01-01T00:00:00Z. Earlier than any
 * post of a social platform, later than the times a feed writes when it has
 * none (0001-01-01, 1970-01-01). */
#define PD_POST_TIME_MIN INT64_C(946684800)
#define PD_POST_TIME_MIN_TEXT "2000-01-01T00:00:00Z"

/* Why t cannot be a stored post's time (a static sentence), or NULL. */
static inline const char *pd_post_time_problem(pd_instant t)
{
    return t.sec < PD_POST_TIME_MIN ? "before " PD_POST_TIME_MIN_TEXT
                                      " (a missing time in the feed, such as 0001-01-01 or "
                                      "1970-01-01, is not a post's)"
                                    : NULL;
}

#endif
