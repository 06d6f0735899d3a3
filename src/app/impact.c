/* impact.c - see impact.h. */
#include "app/impact.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/buf.h"
#include "util/hashtab.h"
#include "util/log.h"
#include "util/mono.h"

#define BUILD_TRIES 3 /* scans restarted when the day changes in the middle */

typedef struct snap {
    pd_impact_snap pub;  /* first: a pd_impact_snap * is a snap *          */
    unsigned refs;       /* under imp->mu; the published one holds one too */
    uint64_t generation; /* imp->generation when its build began           */
    uint64_t fp;         /* the source's fingerprint then                  */
    int has_fp;
    int64_t built_ms; /* monotonic                                      */
    pd_creator *creators;
    char **categories;
    pd_sim_mcn_index mcns;
    char **mcn_names; /* mcns.n, NULL entries for unnamed MCNs         */
    pd_window_stats *stats[PD_IMPACT_MAX_WINDOWS];
} snap;

struct pd_impact {
    pd_impact_source src;
    pd_impact_options o;
    pthread_mutex_t mu;       /* cur and every refs                       */
    pthread_mutex_t build_mu; /* one build at a time                      */
    pthread_cond_t cv;        /* wakes the background thread (stop)       */
    int stop;
    int has_thread;
    pthread_t thread;
    snap *cur;
    uint64_t serial; /* under build_mu                           */
    atomic_uint_fast64_t generation;
    atomic_uint_fast64_t builds;
};

static void snap_free(snap *s)
{
    if (!s)
        return;
    free(s->creators);
    for (size_t i = 0; i < s->pub.ncategories; i++)
        free(s->categories[i]);
    free(s->categories);
    if (s->mcn_names)
        for (size_t k = 0; k < s->mcns.n; k++)
            free(s->mcn_names[k]);
    free(s->mcn_names);
    pd_sim_mcn_index_free(&s->mcns);
    for (size_t w = 0; w < PD_IMPACT_MAX_WINDOWS; w++)
        free(s->stats[w]);
    free(s);
}

/* Drops one reference; frees the snapshot with the last. Under imp->mu. */
static snap *unref_locked(snap *s)
{
    if (s && --s->refs == 0)
        return s; /* the caller frees it outside the lock */
    return NULL;
}

/* 1 when ps holds window_days (published or not). */
static int has_window(const pd_impact_snap *ps, uint32_t window_days)
{
    for (size_t w = 0; w < ps->nwindows; w++)
        if (ps->window_days[w] == window_days)
            return 1;
    return 0;
}

const pd_window_stats *pd_impact_stats(const pd_impact_snap *ps, uint32_t window_days)
{
    for (size_t w = 0; w < ps->nwindows; w++)
        if (ps->window_days[w] == window_days)
            return ps->stats[w];
    return NULL;
}

const char *pd_impact_mcn_name(void *ps, uint64_t id)
{
    const pd_impact_snap *p = ps;
    int64_t k = pd_sim_mcn_find(&p->mcns, id);
    return k >= 0 && p->mcn_names ? p->mcn_names[k] : NULL;
}

static int has_windows(const snap *s, const uint32_t *windows, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!has_window(&s->pub, windows[i]))
            return 0;
    return 1;
}

/* ---- building ----------------------------------------------------------- */

/* The first scan: creators, categories (a hash table of their names) and
 * the statistics of one window. */
typedef struct first_scan {
    snap *s;
    size_t cap;       /* of s->creators and s->stats[0]          */
    size_t catcap;    /* of s->categories                        */
    pd_hashtab table; /* category name -> index (util/hashtab.h) */
    const char *name; /* the name category_index looks for       */
    pd_error *err;
} first_scan;

static int category_same(const void *ctx, uint32_t ref)
{
    const first_scan *f = ctx;
    return strcmp(f->s->categories[ref], f->name) == 0;
}

/* The index of category name, added when new; -1 when out of memory. */
static int64_t category_index(first_scan *f, const char *name)
{
    snap *s = f->s;
    if (pd_hashtab_reserve(&f->table, s->pub.ncategories + 1) < 0)
        return -1;
    uint64_t h = pd_hash_bytes(name, strlen(name));
    f->name = name;
    size_t i = pd_hashtab_find(&f->table, h, category_same, f);
    if (pd_hashtab_used(&f->table, i))
        return pd_hashtab_ref(&f->table, i);
    if (s->pub.ncategories >= PD_HASHTAB_REF_MAX)
        return -1;
    char **c = pd_grow(s->categories, &f->catcap, s->pub.ncategories, sizeof *c, 16);
    if (!c)
        return -1;
    s->categories = c;
    char *copy = strdup(name);
    if (!copy)
        return -1;
    size_t k = s->pub.ncategories++;
    s->categories[k] = copy;
    pd_hashtab_fill(&f->table, i, h, (uint32_t)k);
    return (int64_t)k;
}

static int first_each(void *ctx, const pd_creator_window *w)
{
    first_scan *f = ctx;
    snap *s = f->s;
    if (s->pub.n == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 4096;
        pd_creator *c = realloc(s->creators, ncap * sizeof *c);
        if (c)
            s->creators = c;
        pd_window_stats *st = c ? realloc(s->stats[0], ncap * sizeof *st) : NULL;
        if (st)
            s->stats[0] = st;
        if (!c || !st)
            return pd_error_set(f->err, PD_ENOMEM,
                                "policy impact: out of memory loading %zu creators", s->pub.n);
        f->cap = ncap;
    }
    int64_t cat = category_index(f, w->category ? w->category : "");
    if (cat < 0)
        return pd_error_set(f->err, PD_ENOMEM, "policy impact: out of memory for categories");
    s->creators[s->pub.n] = (pd_creator){.id = w->id,
                                         .followers = w->followers,
                                         .mcn_id = w->mcn_id > 0 ? (uint64_t)w->mcn_id : 0,
                                         .category = (uint32_t)cat,
                                         .line = 0};
    s->stats[0][s->pub.n] = w->win;
    s->pub.n++;
    return 0;
}

/* A later scan: the statistics of another window, matched to the creators
 * by id (both sorted by id). */
typedef struct merge_scan {
    const snap *s;
    pd_window_stats *stats; /* n, zeroed */
    size_t j;
} merge_scan;

static int merge_each(void *ctx, const pd_creator_window *w)
{
    merge_scan *m = ctx;
    const snap *s = m->s;
    while (m->j < s->pub.n && s->creators[m->j].id < w->id)
        m->j++;
    if (m->j < s->pub.n && s->creators[m->j].id == w->id)
        m->stats[m->j++] = w->win;
    return 0;
}

/* Scans one more window into s (at slot s->pub.nwindows). Sets *today. */
static int add_window(pd_impact *imp, snap *s, uint32_t days, int64_t *today, pd_error *err)
{
    size_t slot = s->pub.nwindows;
    pd_window_stats *st = calloc(s->pub.n ? s->pub.n : 1, sizeof *st);
    if (!st)
        return pd_error_set(err, PD_ENOMEM, "policy impact: out of memory");
    merge_scan m = {s, st, 0};
    int rc = imp->src.scan(imp->src.ctx, days, today, merge_each, &m, err);
    if (rc) {
        free(st);
        return rc;
    }
    s->stats[slot] = st;
    s->pub.window_days[slot] = days;
    s->pub.nwindows++;
    return PD_OK;
}

/* The name of one MCN of the source, kept when the snapshot's creators
 * are in it. */
static int name_each(void *ctx, int64_t id, const char *name)
{
    snap *s = ctx;
    int64_t k = id > 0 ? pd_sim_mcn_find(&s->mcns, (uint64_t)id) : -1;
    if (k < 0 || s->mcn_names[k])
        return 0;
    return (s->mcn_names[k] = strdup(name ? name : "")) ? 0 : PD_ENOMEM;
}

/* The index of the creators' MCNs and their names, after the first scan. */
static int index_mcns(pd_impact *imp, snap *s, pd_error *err)
{
    int rc = pd_sim_mcn_index_build(s->creators, s->pub.n, &s->mcns, err);
    if (rc)
        return rc;
    if (!(s->mcn_names = calloc(s->mcns.n ? s->mcns.n : 1, sizeof *s->mcn_names)))
        return pd_error_set(err, PD_ENOMEM, "policy impact: out of memory");
    if (!imp->src.mcns || s->mcns.n == 0)
        return PD_OK;
    rc = imp->src.mcns(imp->src.ctx, name_each, s, err);
    if (rc == PD_ENOMEM)
        rc = pd_error_set(err, PD_ENOMEM, "policy impact: out of memory for MCN names");
    return rc;
}

/* Publishes s as the current snapshot (a reference for the cache, plus
 * one for the caller when keep). Under build_mu. */
static void publish(pd_impact *imp, snap *s, int keep)
{
    s->pub.creators = s->creators;
    s->pub.categories = (const char *const *)s->categories;
    s->pub.mcns = s->mcns;
    s->pub.mcn_names = (const char *const *)s->mcn_names;
    for (size_t w = 0; w < s->pub.nwindows; w++)
        s->pub.stats[w] = s->stats[w];
    s->pub.serial = ++imp->serial;
    s->built_ms = pd_mono_ms();
    s->refs = keep ? 2 : 1;
    pthread_mutex_lock(&imp->mu);
    snap *old = imp->cur;
    imp->cur = s;
    old = unref_locked(old);
    pthread_mutex_unlock(&imp->mu);
    snap_free(old);
    atomic_fetch_add(&imp->builds, 1);
}

/* A whole new snapshot of these windows (the first is scanned in full, the
 * others matched to its creators). */
static int build(pd_impact *imp, const uint32_t *windows, size_t n, snap **out, pd_error *err)
{
    int rc = PD_OK;
    for (int attempt = 0; attempt < BUILD_TRIES; attempt++) {
        snap *s = calloc(1, sizeof *s);
        if (!s)
            return pd_error_set(err, PD_ENOMEM, "policy impact: out of memory");
        s->generation = atomic_load(&imp->generation);
        if (imp->src.fingerprint && imp->src.fingerprint(imp->src.ctx, &s->fp, err) == PD_OK)
            s->has_fp = 1;
        first_scan f = {.s = s, .err = err};
        int64_t today = 0, t2 = 0;
        rc = imp->src.scan(imp->src.ctx, windows[0], &today, first_each, &f, err);
        pd_hashtab_free(&f.table);
        if (rc == PD_OK) {
            s->pub.window_days[0] = windows[0];
            s->pub.nwindows = 1;
            s->pub.today = today;
            if (!s->stats[0]) /* no creator at all */
                s->stats[0] = calloc(1, sizeof *s->stats[0]);
            if (!s->stats[0])
                rc = pd_error_set(err, PD_ENOMEM, "policy impact: out of memory");
        }
        if (rc == PD_OK)
            rc = index_mcns(imp, s, err);
        int day_moved = 0;
        for (size_t i = 1; rc == PD_OK && i < n; i++) {
            if (has_window(&s->pub, windows[i]))
                continue;
            rc = add_window(imp, s, windows[i], &t2, err);
            if (rc == PD_OK && t2 != today)
                day_moved = 1;
        }
        if (rc == PD_OK && !day_moved) {
            *out = s;
            return PD_OK;
        }
        snap_free(s);
        if (rc)
            return rc;
    }
    return pd_error_set(err, PD_ECONFLICT,
                        "policy impact: the online day kept changing while the population was "
                        "read; try again");
}

/* A copy of old with its creators and the windows in keep (so that one more
 * window fits), to which the caller adds a window. */
static snap *copy_for_extension(const snap *old, const uint32_t *wanted, size_t nwanted)
{
    snap *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    size_t n = old->pub.n;
    s->generation = old->generation;
    s->fp = old->fp;
    s->has_fp = old->has_fp;
    s->pub.n = n;
    s->pub.today = old->pub.today;
    s->creators = malloc((n ? n : 1) * sizeof *s->creators);
    s->categories = calloc(old->pub.ncategories ? old->pub.ncategories : 1, sizeof *s->categories);
    if (!s->creators || !s->categories)
        goto fail;
    memcpy(s->creators, old->creators, n * sizeof *s->creators);
    for (size_t i = 0; i < old->pub.ncategories; i++) {
        if (!(s->categories[i] = strdup(old->categories[i])))
            goto fail;
        s->pub.ncategories = i + 1;
    }
    size_t nm = old->mcns.n;
    s->mcns.ids = malloc((nm ? nm : 1) * sizeof *s->mcns.ids);
    s->mcns.of = malloc((n ? n : 1) * sizeof *s->mcns.of);
    s->mcn_names = calloc(nm ? nm : 1, sizeof *s->mcn_names);
    if (!s->mcns.ids || !s->mcns.of || !s->mcn_names)
        goto fail;
    s->mcns.n = nm;
    memcpy(s->mcns.ids, old->mcns.ids, nm * sizeof *s->mcns.ids);
    memcpy(s->mcns.of, old->mcns.of, n * sizeof *s->mcns.of);
    for (size_t k = 0; k < nm; k++)
        if (old->mcn_names[k] && !(s->mcn_names[k] = strdup(old->mcn_names[k])))
            goto fail;
    /* Keep the windows asked for now, then the newest others, leaving a
     * slot for each window asked for that old lacks. */
    size_t missing = 0;
    for (size_t k = 0; k < nwanted; k++) {
        int dup = 0;
        for (size_t j = 0; j < k; j++)
            dup |= wanted[j] == wanted[k];
        missing += !dup && !has_window(&old->pub, wanted[k]);
    }
    size_t drop = old->pub.nwindows + missing > PD_IMPACT_MAX_WINDOWS
                      ? old->pub.nwindows + missing - PD_IMPACT_MAX_WINDOWS
                      : 0;
    for (size_t w = 0; w < old->pub.nwindows; w++) {
        int is_wanted = 0;
        for (size_t k = 0; k < nwanted; k++)
            is_wanted |= wanted[k] == old->pub.window_days[w];
        if (!is_wanted && drop) {
            drop--;
            continue;
        }
        size_t slot = s->pub.nwindows;
        if (!(s->stats[slot] = malloc((n ? n : 1) * sizeof *s->stats[slot])))
            goto fail;
        memcpy(s->stats[slot], old->stats[w], n * sizeof *s->stats[slot]);
        s->pub.window_days[slot] = old->pub.window_days[w];
        s->pub.nwindows++;
    }
    return s;
fail:
    snap_free(s);
    return NULL;
}

/* ---- the cache ----------------------------------------------------------- */

static void *refresher(void *arg);

int pd_impact_new(const pd_impact_source *src, const pd_impact_options *o, pd_impact **out,
                  pd_error *err)
{
    *out = NULL;
    if (!src || !src->scan)
        return pd_error_set(err, PD_EINTERNAL, "policy impact: no source to scan");
    pd_impact *imp = calloc(1, sizeof *imp);
    if (!imp)
        return pd_error_set(err, PD_ENOMEM, "policy impact: out of memory");
    imp->src = *src;
    if (o)
        imp->o = *o;
    if (!imp->o.min_age_ms)
        imp->o.min_age_ms = 2000;
    if (!imp->o.max_age_ms)
        imp->o.max_age_ms = 60000;
    if (!imp->o.poll_ms)
        imp->o.poll_ms = 500;
    atomic_init(&imp->generation, 0);
    atomic_init(&imp->builds, 0);
    pthread_mutex_init(&imp->mu, NULL);
    pthread_mutex_init(&imp->build_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&imp->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (!imp->o.no_thread) {
        int e = pthread_create(&imp->thread, NULL, refresher, imp);
        if (e) {
            pd_impact_free(imp);
            return pd_error_set(err, PD_ENOMEM, "policy impact: cannot start a thread: %s",
                                strerror(e));
        }
        imp->has_thread = 1;
    }
    *out = imp;
    return PD_OK;
}

void pd_impact_free(pd_impact *imp)
{
    if (!imp)
        return;
    if (imp->has_thread) {
        pthread_mutex_lock(&imp->mu);
        imp->stop = 1;
        pthread_cond_broadcast(&imp->cv);
        pthread_mutex_unlock(&imp->mu);
        pthread_join(imp->thread, NULL);
    }
    snap_free(imp->cur); /* every other reference was released (impact.h) */
    pthread_cond_destroy(&imp->cv);
    pthread_mutex_destroy(&imp->mu);
    pthread_mutex_destroy(&imp->build_mu);
    free(imp);
}

/* The current snapshot with a reference for the caller when it has the
 * windows; NULL otherwise. */
static snap *take_current(pd_impact *imp, const uint32_t *windows, size_t n)
{
    pthread_mutex_lock(&imp->mu);
    snap *s = imp->cur;
    if (s && has_windows(s, windows, n))
        s->refs++;
    else
        s = NULL;
    pthread_mutex_unlock(&imp->mu);
    return s;
}

int pd_impact_acquire(pd_impact *imp, const uint32_t *windows, size_t n, pd_impact_snap **out,
                      pd_error *err)
{
    *out = NULL;
    if (n == 0 || n > PD_IMPACT_MAX_WINDOWS)
        return pd_error_set(err, PD_EUSAGE, "policy impact: at most %d different windows at once",
                            PD_IMPACT_MAX_WINDOWS);
    snap *s = take_current(imp, windows, n);
    if (s) {
        *out = &s->pub;
        return PD_OK;
    }
    /* Build on this thread; one build at a time, and whoever waited may
     * find the work done. */
    pthread_mutex_lock(&imp->build_mu);
    int rc = PD_OK;
    if ((s = take_current(imp, windows, n)) == NULL) {
        pthread_mutex_lock(&imp->mu);
        snap *old = imp->cur;
        if (old)
            old->refs++;
        pthread_mutex_unlock(&imp->mu);
        if (!old) {
            rc = build(imp, windows, n, &s, err);
        } else {
            /* the windows it lacks, one scan each, onto a copy */
            s = copy_for_extension(old, windows, n);
            if (!s)
                rc = pd_error_set(err, PD_ENOMEM, "policy impact: out of memory");
            for (size_t i = 0; rc == PD_OK && i < n; i++) {
                if (has_window(&s->pub, windows[i]))
                    continue;
                if (s->pub.nwindows == PD_IMPACT_MAX_WINDOWS) {
                    rc = pd_error_set(err, PD_EUSAGE,
                                      "policy impact: at most %d different windows at once",
                                      PD_IMPACT_MAX_WINDOWS);
                    break;
                }
                int64_t today = 0;
                rc = add_window(imp, s, windows[i], &today, err);
                if (rc == PD_OK && today != s->pub.today) {
                    /* the day moved under us: start afresh */
                    snap_free(s);
                    s = NULL;
                    rc = build(imp, windows, n, &s, err);
                    break;
                }
            }
            if (rc) {
                snap_free(s);
                s = NULL;
            }
            pthread_mutex_lock(&imp->mu);
            old = unref_locked(old);
            pthread_mutex_unlock(&imp->mu);
            snap_free(old);
        }
        if (rc == PD_OK)
            publish(imp, s, 1);
    }
    pthread_mutex_unlock(&imp->build_mu);
    if (rc == PD_OK)
        *out = &s->pub;
    return rc;
}

void pd_impact_release(pd_impact *imp, pd_impact_snap *ps)
{
    if (!ps)
        return;
    snap *s = (snap *)ps;
    pthread_mutex_lock(&imp->mu);
    s = unref_locked(s);
    pthread_mutex_unlock(&imp->mu);
    snap_free(s);
}

void pd_impact_changed(pd_impact *imp)
{
    if (imp)
        atomic_fetch_add(&imp->generation, 1);
}

uint64_t pd_impact_builds(pd_impact *imp)
{
    return atomic_load(&imp->builds);
}

int pd_impact_refresh(pd_impact *imp, int force, int *rebuilt, pd_error *err)
{
    if (rebuilt)
        *rebuilt = 0;
    pthread_mutex_lock(&imp->mu);
    snap *cur = imp->cur;
    uint32_t windows[PD_IMPACT_MAX_WINDOWS];
    size_t n = 0;
    int64_t age = 0;
    uint64_t gen = 0, fp = 0;
    int has_fp = 0;
    if (cur) {
        n = cur->pub.nwindows;
        memcpy(windows, cur->pub.window_days, n * sizeof windows[0]);
        age = pd_mono_ms() - cur->built_ms;
        gen = cur->generation;
        fp = cur->fp;
        has_fp = cur->has_fp;
    }
    pthread_mutex_unlock(&imp->mu);
    if (!cur)
        return PD_OK; /* nobody has asked yet: nothing to keep fresh */
    if (!force) {
        if (age < (int64_t)imp->o.min_age_ms)
            return PD_OK;
        int stale = atomic_load(&imp->generation) != gen || age >= (int64_t)imp->o.max_age_ms;
        if (!stale && imp->src.fingerprint) {
            uint64_t now_fp;
            int rc = imp->src.fingerprint(imp->src.ctx, &now_fp, err);
            if (rc)
                return rc;
            stale = !has_fp || now_fp != fp;
        }
        if (!stale)
            return PD_OK;
    }
    pthread_mutex_lock(&imp->build_mu);
    snap *s = NULL;
    int rc = build(imp, windows, n, &s, err);
    if (rc == PD_OK) {
        publish(imp, s, 0);
        if (rebuilt)
            *rebuilt = 1;
    }
    pthread_mutex_unlock(&imp->build_mu);
    return rc;
}

static void *refresher(void *arg)
{
    pd_impact *imp = arg;
    pthread_mutex_lock(&imp->mu);
    while (!imp->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_sec += imp->o.poll_ms / 1000;
        until.tv_nsec += (long)(imp->o.poll_ms % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!imp->stop && pthread_cond_timedwait(&imp->cv, &imp->mu, &until) != ETIMEDOUT)
            ;
        if (imp->stop)
            break;
        pthread_mutex_unlock(&imp->mu);
        pd_error err = {0};
        int rebuilt = 0;
        int64_t t0 = pd_mono_ms();
        if (pd_impact_refresh(imp, 0, &rebuilt, &err))
            PD_LOG(PD_LOG_WARN, "policy impact: refreshing the population failed",
                   PD_LOG_STR("error", err.msg));
        else if (rebuilt)
            PD_LOG(PD_LOG_DEBUG, "policy impact: population refreshed",
                   PD_LOG_UINT("builds", pd_impact_builds(imp)),
                   PD_LOG_INT("ms", pd_mono_ms() - t0));
        pthread_mutex_lock(&imp->mu);
    }
    pthread_mutex_unlock(&imp->mu);
    return NULL;
}

/* ---- the store as a source ------------------------------------------------- */

static int store_scan(void *ctx, uint32_t window_days, int64_t *today,
                      int (*each)(void *, const pd_creator_window *), void *each_ctx, pd_error *err)
{
    return pd_store_window_scan(ctx, window_days, today, each, each_ctx, err);
}

static int store_fingerprint(void *ctx, uint64_t *out, pd_error *err)
{
    pd_db *db;
    int rc = pd_store_acquire(ctx, &db, err);
    if (rc)
        return rc;
    pd_online_state st;
    rc = pd_db_online_state(db, &st, err);
    pd_store_release(ctx, db);
    if (rc)
        return rc;
    uint64_t parts[5] = {(uint64_t)st.today, (uint64_t)st.policy_id, st.version, (uint64_t)st.stale,
                         st.certified};
    *out = pd_hash_bytes(parts, sizeof parts);
    return PD_OK;
}

typedef struct names_ctx {
    int (*each)(void *ctx, int64_t id, const char *name);
    void *ctx;
} names_ctx;

static int mcn_each(void *ctx, const pd_org_rec *o)
{
    names_ctx *c = ctx;
    return c->each(c->ctx, o->id, o->name);
}

static int store_mcns(void *ctx, int (*each)(void *, int64_t, const char *), void *each_ctx,
                      pd_error *err)
{
    pd_db *db;
    int rc = pd_store_acquire(ctx, &db, err);
    if (rc)
        return rc;
    names_ctx c = {each, each_ctx};
    rc = pd_db_mcn_list(db, mcn_each, &c, err);
    pd_store_release(ctx, db);
    return rc;
}

pd_impact_source pd_impact_store_source(pd_store *s)
{
    return (pd_impact_source){
        .scan = store_scan, .fingerprint = store_fingerprint, .mcns = store_mcns, .ctx = s};
}
