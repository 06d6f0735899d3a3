/*
 * rng.h - a small, seeded pseudo-random number generator and the
 * distributions partnerd's synthetic data and simulations draw from.
 *
 * The generator is xoshiro256** (Blackman and Vigna), seeded through
 * splitmix64 so that any 64-bit seed, including 0, gives a good state. Every
 * draw is a pure function of the state the caller passes in: no globals, no
 * locks, nothing allocated, so one pd_rng per thread (or per stream) gives
 * output that depends only on the seed, never on scheduling.
 *
 * pd_rng_stream derives independent streams from (seed, stream, index), e.g.
 * one per creator: a creator's data can then be regenerated on its own, in any
 * order and on any thread, and comes out the same every time.
 *
 * The continuous distributions use the C library's exp/log/sqrt, so results
 * are bit-identical for the same binary and C library; they are not promised
 * across platforms.
 */
#ifndef PD_RNG_H
#define PD_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct pd_rng {
    uint64_t s[4]; /* xoshiro256** state, never all zero                 */
    double spare;  /* second normal of the last polar-method pair        */
    int has_spare; /* 1 when `spare` holds an unused normal              */
} pd_rng;

/* One step of splitmix64: advances *state and returns a well-mixed value.
 * Also a good 64-bit hash when called on a copy of the input. */
uint64_t pd_splitmix64(uint64_t *state);

/* Seeds r from a 64-bit seed. */
void pd_rng_seed(pd_rng *r, uint64_t seed);

/* Seeds r with the stream (stream, index) of seed: different (stream, index)
 * pairs give unrelated sequences. */
void pd_rng_stream(pd_rng *r, uint64_t seed, uint64_t stream, uint64_t index);

/* The next 64 random bits. */
static inline uint64_t pd_rng_next(pd_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t result = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return result;
}

/* Uniform double in [0, 1), 53 bits. */
static inline double pd_rng_uniform(pd_rng *r)
{
    return (double)(pd_rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform double in (0, 1]: safe to take the logarithm of. */
static inline double pd_rng_uniform_pos(pd_rng *r)
{
    return (double)((pd_rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/* Uniform integer in [0, n); 0 when n == 0. Unbiased (Lemire's method). */
uint64_t pd_rng_below(pd_rng *r, uint64_t n);

/* 1 with probability p, else 0. */
static inline int pd_rng_chance(pd_rng *r, double p)
{
    return pd_rng_uniform(r) < p;
}

/* Standard normal (Marsaglia's polar method; caches the pair's second value
 * in r). */
double pd_rng_normal(pd_rng *r);

/* exp(mu + sigma * N(0,1)): median e^mu, mean e^(mu + sigma^2 / 2). */
double pd_rng_lognormal(pd_rng *r, double mu, double sigma);

/* Exponential with the given mean (> 0). */
double pd_rng_exponential(pd_rng *r, double mean);

/* Pareto with scale xm > 0 (the minimum) and shape alpha > 0:
 * P(X > x) = (xm / x)^alpha for x >= xm. */
double pd_rng_pareto(pd_rng *r, double xm, double alpha);

/* Poisson with mean lambda >= 0 (inversion for small means, Hormann's PTRS
 * transformed rejection above 10). */
uint64_t pd_rng_poisson(pd_rng *r, double lambda);

/* Rounds x >= 0 down or up at random so that the expectation is x ("0.3"
 * gives 1 three times in ten), keeping small counts unbiased. x is clamped
 * to [0, 1e18]. */
static inline uint64_t pd_rng_round(pd_rng *r, double x)
{
    if (!(x > 0.0))
        return 0;
    if (x >= 1e18)
        return 1000000000000000000ULL;
    uint64_t k = (uint64_t)x; /* truncation is floor for x >= 0 */
    return k + (pd_rng_uniform(r) < x - (double)k);
}

/* Index i in [0, n) drawn with probability weight[i] / sum(weight), for
 * n >= 1 non-negative weights with a positive sum. Linear in n: meant for
 * short tables. */
size_t pd_rng_pick(pd_rng *r, const double *weight, size_t n);

#endif
