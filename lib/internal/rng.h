/* The one random-number helper of every Monte Carlo loop (permutations, replications).
 *
 * Streams are counter-based: a stream is keyed by (seed, what it is for, which draw: a unit, a
 * permutation, a replication), never by the thread that runs it, so results are the same bits for any
 * thread count. The generator is SplitMix64 (Steele, Lea & Flood 2014): state += golden gamma, output =
 * the mix of the state. Each use has its own key so that two analyses with one seed draw different
 * numbers. */
#ifndef SM_RNG_H
#define SM_RNG_H

#include <stddef.h>
#include <stdint.h>

#define SM__RNG_GAMMA 0x9E3779B97F4A7C15ull /* SplitMix64's increment (2^64 / golden ratio) */

/* Keys of the streams in use (fields only appended: changing one changes published results). */
#define SM__RNG_KEY_HOTSPOT_UNIT 0xD1B54A32D192ED03ull /* conditional permutations: one stream per unit */
#define SM__RNG_KEY_KNOX_PERM SM__RNG_GAMMA             /* Knox test: one stream per date permutation */
#define SM__RNG_KEY_SCAN_REP 0xA24BAED4963EE407ull      /* space-time scan: one stream per replication */

typedef struct sm__rng {
  uint64_t s;
} sm__rng;

/* SplitMix64's output function. */
static inline uint64_t sm__mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Draw `index` of use `key` under `seed`: the state is the mix of seed ^ key (index + 1). */
static inline sm__rng sm__rng_stream(uint64_t seed, uint64_t key, uint64_t index) {
  sm__rng r = {sm__mix64(seed ^ (key * (index + 1)))};
  return r;
}

/* The same without the first mix (the conditional permutations' streams, kept as published). */
static inline sm__rng sm__rng_stream_unmixed(uint64_t seed, uint64_t key, uint64_t index) {
  sm__rng r = {seed ^ (key * (index + 1))};
  return r;
}

static inline uint64_t sm__rng_next(sm__rng *r) { return sm__mix64(r->s += SM__RNG_GAMMA); }

/* A whole number in [0, m) by multiply-shift (Lemire): bias below m / 2^64, no rejection. */
static inline size_t sm__rng_below_fast(sm__rng *r, size_t m) {
  return (size_t)(((__uint128_t)sm__rng_next(r) * (__uint128_t)m) >> 64);
}

/* A whole number in [0, m) without bias (Lemire's rejection). */
static inline size_t sm__rng_below(sm__rng *r, size_t m) {
  uint64_t x = sm__rng_next(r);
  __uint128_t prod = (__uint128_t)x * (__uint128_t)m;
  uint64_t low = (uint64_t)prod;
  if (low < m) {
    uint64_t t = (uint64_t)(-(int64_t)m) % m;
    while (low < t) {
      x = sm__rng_next(r);
      prod = (__uint128_t)x * (__uint128_t)m;
      low = (uint64_t)prod;
    }
  }
  return (size_t)(prod >> 64);
}

#endif
