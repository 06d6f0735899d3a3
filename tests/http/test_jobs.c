/* test_jobs.c - http/jobs: every job runs once, in order on one thread,
 * stopping finishes what is queued and refuses what comes after, a
 * bounded queue refuses past its bound, bad counts refused. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "http/jobs.h"

typedef struct counted {
    pd_job job;
    atomic_int *runs;
    int index;
    int *order; /* where to note the index, or NULL */
    atomic_int *next;
} counted;

static void count_run(pd_job *job)
{
    counted *c = (counted *)job;
    atomic_fetch_add(c->runs, 1);
    if (c->order)
        c->order[atomic_fetch_add(c->next, 1)] = c->index;
}

enum { SUBMITTERS = 4, EACH = 2000 };

typedef struct submitter {
    pd_jobs *jobs;
    counted *items;
} submitter;

static void *submit_all(void *arg)
{
    submitter *s = arg;
    for (int i = 0; i < EACH; i++)
        assert_int_equal(pd_jobs_submit(s->jobs, &s->items[i].job), 0);
    return NULL;
}

static void test_every_job_runs_once(void **state)
{
    (void)state;
    pd_jobs *jobs;
    pd_error err = {0};
    assert_int_equal(pd_jobs_start(4, &jobs, &err), PD_OK);
    static counted items[SUBMITTERS][EACH];
    atomic_int runs = 0;
    submitter subs[SUBMITTERS];
    pthread_t t[SUBMITTERS];
    for (int s = 0; s < SUBMITTERS; s++) {
        for (int i = 0; i < EACH; i++)
            items[s][i] = (counted){.job.run = count_run, .runs = &runs, .index = i};
        subs[s] = (submitter){jobs, items[s]};
        assert_int_equal(pthread_create(&t[s], NULL, submit_all, &subs[s]), 0);
    }
    for (int s = 0; s < SUBMITTERS; s++)
        pthread_join(t[s], NULL);
    pd_jobs_stop(jobs); /* finishes what is queued */
    assert_int_equal(atomic_load(&runs), SUBMITTERS * EACH);
    pd_jobs_free(jobs);
}

static void test_one_thread_keeps_order(void **state)
{
    (void)state;
    pd_jobs *jobs;
    pd_error err = {0};
    assert_int_equal(pd_jobs_start(1, &jobs, &err), PD_OK);
    enum { N = 500 };
    static counted items[N];
    int order[N];
    atomic_int runs = 0, next = 0;
    for (int i = 0; i < N; i++) {
        items[i] = (counted){
            .job.run = count_run, .runs = &runs, .index = i, .order = order, .next = &next};
        pd_jobs_submit(jobs, &items[i].job);
    }
    pd_jobs_free(jobs); /* stops first */
    assert_int_equal(atomic_load(&runs), N);
    for (int i = 0; i < N; i++)
        assert_int_equal(order[i], i);
}

/* A job that holds its thread until released. */
typedef struct gate {
    pd_job job;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int started, open;
} gate;

static void gate_run(pd_job *job)
{
    gate *g = (gate *)job;
    pthread_mutex_lock(&g->mu);
    g->started = 1;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void gate_open(gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = 1;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static void *open_gate_later(void *arg)
{
    struct timespec nap = {0, 20 * 1000 * 1000};
    nanosleep(&nap, NULL);
    gate_open(arg);
    return NULL;
}

/* Hands jobs the gate g and waits until a thread is held in it. */
static void hold_a_thread(pd_jobs *jobs, gate *g)
{
    *g = (gate){.job.run = gate_run};
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    assert_int_equal(pd_jobs_submit(jobs, &g->job), 0);
    pthread_mutex_lock(&g->mu);
    while (!g->started)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

static void test_stop_finishes_queued_jobs(void **state)
{
    (void)state;
    pd_jobs *jobs;
    pd_error err = {0};
    assert_int_equal(pd_jobs_start(1, &jobs, &err), PD_OK);
    gate g;
    hold_a_thread(jobs, &g);
    /* The only thread is held: these wait. */
    enum { N = 10 };
    counted items[N];
    atomic_int runs = 0;
    for (int i = 0; i < N; i++) {
        items[i] = (counted){.job.run = count_run, .runs = &runs, .index = i};
        pd_jobs_submit(jobs, &items[i].job);
    }
    assert_int_equal(pd_jobs_waiting(jobs), N);
    assert_int_equal(atomic_load(&runs), 0);
    pthread_t opener;
    assert_int_equal(pthread_create(&opener, NULL, open_gate_later, &g), 0);
    pd_jobs_stop(jobs); /* waits for the gate, then runs the ten */
    pthread_join(opener, NULL);
    assert_int_equal(atomic_load(&runs), N);
    /* Stopped: a job handed over now is refused, and stays ours. */
    counted late = {.job.run = count_run, .runs = &runs};
    assert_int_equal(pd_jobs_submit(jobs, &late.job), -1);
    pd_jobs_stop(jobs); /* again: nothing happens */
    assert_int_equal(atomic_load(&runs), N);
    pd_jobs_free(jobs);
    pthread_cond_destroy(&g.cv);
    pthread_mutex_destroy(&g.mu);
}

/* A bounded queue: with its one thread held, max jobs wait and the next
 * is refused at once (and stays the caller's); once the queue moves,
 * submits are taken again. */
static void test_bounded_queue_refuses_when_full(void **state)
{
    (void)state;
    pd_jobs *jobs;
    pd_error err = {0};
    assert_int_equal(pd_jobs_start(1, &jobs, &err), PD_OK);
    enum { MAX = 3 };
    pd_jobs_set_max_waiting(jobs, MAX);
    gate g;
    hold_a_thread(jobs, &g);
    counted items[MAX + 2];
    atomic_int runs = 0;
    for (int i = 0; i < MAX + 2; i++)
        items[i] = (counted){.job.run = count_run, .runs = &runs, .index = i};
    for (int i = 0; i < MAX; i++) {
        assert_false(pd_jobs_full(jobs));
        assert_int_equal(pd_jobs_submit(jobs, &items[i].job), 0);
    }
    assert_true(pd_jobs_full(jobs));
    assert_int_equal(pd_jobs_submit(jobs, &items[MAX].job), PD_JOBS_FULL);
    assert_int_equal(pd_jobs_waiting(jobs), MAX);
    gate_open(&g);
    /* The thread drains the queue; then there is room again. */
    for (int i = 0; i < 5000 && pd_jobs_waiting(jobs) > 0; i++) {
        struct timespec nap = {0, 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    assert_int_equal(pd_jobs_submit(jobs, &items[MAX + 1].job), 0);
    pd_jobs_stop(jobs);
    assert_int_equal(atomic_load(&runs), MAX + 1); /* the refused one never ran */
    assert_int_equal(pd_jobs_submit(jobs, &items[MAX].job), PD_JOBS_STOPPING);
    pd_jobs_free(jobs);
    pthread_cond_destroy(&g.cv);
    pthread_mutex_destroy(&g.mu);
}

static void test_bad_counts(void **state)
{
    (void)state;
    pd_jobs *jobs = (pd_jobs *)&jobs;
    pd_error err = {0};
    assert_int_equal(pd_jobs_start(0, &jobs, &err), PD_EUSAGE);
    assert_null(jobs);
    assert_non_null(strstr(err.msg, "1 to 1024"));
    assert_int_equal(pd_jobs_start(1025, &jobs, &err), PD_EUSAGE);
    pd_jobs_stop(NULL);
    pd_jobs_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_job_runs_once),
        cmocka_unit_test(test_one_thread_keeps_order),
        cmocka_unit_test(test_stop_finishes_queued_jobs),
        cmocka_unit_test(test_bounded_queue_refuses_when_full),
        cmocka_unit_test(test_bad_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
