/* wake.h - raising a flag that other threads wait on: the value is set
 * under the mutex that guards it, then every thread waiting on the
 * condition is woken to see it. Header-only; the caller owns the mutex,
 * the condition and the flag. */
#ifndef PD_WAKE_H
#define PD_WAKE_H

#include <pthread.h>

/* *flag = value under mu, then a broadcast on cv. */
static inline void pd_wake_all(pthread_mutex_t *mu, pthread_cond_t *cv, int *flag, int value)
{
    pthread_mutex_lock(mu);
    *flag = value;
    pthread_cond_broadcast(cv);
    pthread_mutex_unlock(mu);
}

#endif
