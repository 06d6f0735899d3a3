/* rng.c - see rng.h. */
#include "core/rng.h"

#include <math.h>

uint64_t pd_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void pd_rng_seed(pd_rng *r, uint64_t seed)
{
    uint64_t sm = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = pd_splitmix64(&sm);
    /* splitmix64 is a bijection of its counter, so four consecutive outputs
     * are never all zero; keep the guard for clarity anyway. */
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1;
    r->spare = 0;
    r->has_spare = 0;
}

void pd_rng_stream(pd_rng *r, uint64_t seed, uint64_t stream, uint64_t index)
{
    /* Hash the three words together; each step goes through splitmix64's
     * full-avalanche finaliser, so neighbouring indexes give unrelated
     * seeds. */
    uint64_t h = seed;
    uint64_t k = pd_splitmix64(&h) ^ stream;
    k = pd_splitmix64(&k) ^ index;
    pd_rng_seed(r, pd_splitmix64(&k));
}

uint64_t pd_rng_below(pd_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    unsigned __int128 m = (unsigned __int128)pd_rng_next(r) * n;
    uint64_t low = (uint64_t)m;
    if (low < n) {
        uint64_t threshold = -n % n;
        while (low < threshold) {
            m = (unsigned __int128)pd_rng_next(r) * n;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

double pd_rng_normal(pd_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, s;
    do {
        u = 2.0 * pd_rng_uniform(r) - 1.0;
        v = 2.0 * pd_rng_uniform(r) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    double f = sqrt(-2.0 * log(s) / s);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

double pd_rng_lognormal(pd_rng *r, double mu, double sigma)
{
    return exp(mu + sigma * pd_rng_normal(r));
}

double pd_rng_exponential(pd_rng *r, double mean)
{
    return -mean * log(pd_rng_uniform_pos(r));
}

double pd_rng_pareto(pd_rng *r, double xm, double alpha)
{
    return xm * pow(pd_rng_uniform_pos(r), -1.0 / alpha);
}

/* log(k!) for k >= 0: a table for small k, Stirling's series beyond (its
 * error at k = 10 is below 1e-10, far under what the rejection test needs).
 * Written here rather than calling lgamma, which writes the global signgam
 * and so is not safe to call from several threads. */
static double log_factorial(uint64_t k)
{
    static const double table[10] = {
        0.0,
        0.0,
        0.69314718055994530942,
        1.79175946922805500081,
        3.17805383034794561965,
        4.78749174278204599425,
        6.57925121201010099506,
        8.52516136106541430017,
        10.60460290274525022842,
        12.80182748008146961121,
    };
    if (k < 10)
        return table[k];
    double x = (double)k + 1.0; /* log(k!) = lgamma(k + 1) */
    double x2 = x * x;
    return (x - 0.5) * log(x) - x + 0.91893853320467274178 +
           (1.0 / 12.0 - (1.0 / 360.0 - 1.0 / (1260.0 * x2)) / x2) / x;
}

uint64_t pd_rng_poisson(pd_rng *r, double lambda)
{
    if (!(lambda > 0.0))
        return 0;
    if (lambda < 10.0) {
        /* Inversion by sequential search: at most a few dozen steps here. */
        double u = pd_rng_uniform(r), p = exp(-lambda), cdf = p;
        uint64_t k = 0;
        while (u > cdf && k < 1000) {
            k++;
            p *= lambda / (double)k;
            cdf += p;
        }
        return k;
    }
    /* W. Hormann, "The transformed rejection method for generating Poisson
     * random variables", Insurance: Mathematics and Economics 12 (1993). */
    double slam = sqrt(lambda), loglam = log(lambda);
    double b = 0.931 + 2.53 * slam;
    double a = -0.059 + 0.02483 * b;
    double invalpha = 1.1239 + 1.1328 / (b - 3.4);
    double vr = 0.9277 - 3.6224 / (b - 2.0);
    for (;;) {
        double u = pd_rng_uniform(r) - 0.5;
        double v = pd_rng_uniform_pos(r);
        double us = 0.5 - fabs(u);
        double kf = floor((2.0 * a / us + b) * u + lambda + 0.43);
        if (us >= 0.07 && v <= vr)
            return (uint64_t)kf;
        if (kf < 0.0 || (us < 0.013 && v > us))
            continue;
        uint64_t k = (uint64_t)kf;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
            -lambda + kf * loglam - log_factorial(k))
            return k;
    }
}

size_t pd_rng_pick(pd_rng *r, const double *weight, size_t n)
{
    double total = 0.0;
    for (size_t i = 0; i < n; i++)
        total += weight[i];
    double u = pd_rng_uniform(r) * total;
    for (size_t i = 0; i < n; i++) {
        if (u < weight[i])
            return i;
        u -= weight[i];
    }
    /* Rounding left u at or past the last weight: the last positive one. */
    for (size_t i = n; i-- > 0;)
        if (weight[i] > 0.0)
            return i;
    return 0;
}
