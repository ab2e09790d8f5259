/*
 * roofline — what this machine can do, for the roofline in tests/bench/README.md:
 * the limits safemap's hot paths are measured against.
 *
 *   cc -std=c11 -O2 -fopenmp -o roofline tests/bench/roofline.c -lz
 *   ./roofline [FILE]        FILE: a CSV to scan (warm: read once first)
 *
 * Prints, one per line, "name value unit (what)":
 *   - memcpy bandwidth on 1 and on all threads (64 MiB buffers);
 *   - reading FILE warm: read(2) into a buffer, and one memchr pass for
 *     newlines over it (the least a CSV reader must do), 1 and all threads;
 *   - random 8-byte reads from a 512 MiB array, independent (throughput: the
 *     permutations' draws) and dependent (latency), 1 and all threads;
 *   - DEFLATE level 1 (zlib) of 64 MiB of a smooth float surface, 1 thread;
 *   - the first touch of fresh memory (a byte a 4 KiB page of 512 MiB just
 *     mapped): the page faults every new array pays, 1 and all threads;
 *   - the floating-point peak of one core for each code path of the KDE loop,
 *     measured: base (SSE2 multiplies and adds, no FMA), AVX2 + FMA and
 *     AVX-512 FMA, 12 independent chains, where the CPU runs them. A vector
 *     twice as wide is not twice the peak on every CPU (some run 512-bit
 *     instructions as two halves), so the peak is measured, not assumed.
 *
 *   ./roofline --peak        only the peaks: "peak PATH GFLOP/s" lines
 *
 * Each figure is the best of 3, so a busy machine shows less than it has.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <fcntl.h>
#include <immintrin.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static uint64_t next(uint64_t *s) {
  uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static volatile uint64_t sink;

static void copy_bw(int nt) {
  size_t n = (size_t)64 << 20;
  double best = 0;
  char *a = malloc(n * (size_t)nt), *b = malloc(n * (size_t)nt);
  if (!a || !b) return;
  memset(a, 1, n * (size_t)nt), memset(b, 2, n * (size_t)nt);
  for (int r = 0; r < 3; r++) {
    double t0 = now();
#pragma omp parallel num_threads(nt)
    {
      size_t k = (size_t)omp_get_thread_num();
      for (int i = 0; i < 4; i++) memcpy(b + k * n, a + k * n, n);
    }
    double gb = 2.0 * 4 * (double)n * nt / (now() - t0) / 1e9; /* read + write */
    if (gb > best) best = gb;
  }
  printf("memcpy_%dt %.1f GB/s (bytes read + written by memcpy of 64 MiB per thread)\n", nt, best);
  free(a), free(b);
}

static void scan_file(const char *path, int nt) {
  int fd = open(path, O_RDONLY);
  struct stat sb;
  if (fd < 0 || fstat(fd, &sb) || sb.st_size <= 0) {
    fprintf(stderr, "roofline: cannot read '%s'\n", path);
    if (fd >= 0) close(fd);
    return;
  }
  size_t n = (size_t)sb.st_size;
  char *buf = malloc(n);
  double best_read = 0, best_scan = 0;
  for (int r = 0; r < 3 && buf; r++) {
    double t0 = now();
    size_t got = 0;
    lseek(fd, 0, SEEK_SET);
    while (got < n) {
      ssize_t k = read(fd, buf + got, n - got);
      if (k <= 0) break;
      got += (size_t)k;
    }
    double t1 = now();
    uint64_t lines = 0;
#pragma omp parallel num_threads(nt) reduction(+ : lines)
    {
      size_t k = (size_t)omp_get_thread_num(), lo = got * k / (size_t)nt, hi = got * (k + 1) / (size_t)nt;
      for (const char *p = buf + lo, *e = buf + hi; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) lines++;
    }
    double t2 = now();
    sink = lines;
    if (got / (t1 - t0) > best_read) best_read = (double)got / (t1 - t0);
    if (got / (t2 - t1) > best_scan) best_scan = (double)got / (t2 - t1);
  }
  if (nt == 1) printf("read_warm %.2f GB/s (read(2) of the %.0f MB file from the page cache)\n", best_read / 1e9, n / 1e6);
  printf("memchr_lines_%dt %.2f GB/s (one memchr pass for newlines over the file in memory)\n", nt, best_scan / 1e9);
  free(buf);
  close(fd);
}

static void random_reads(int nt) {
  size_t n = (size_t)64 << 20; /* 64M x 8 bytes = 512 MiB */
  uint64_t *a = malloc(n * sizeof *a);
  if (!a) return;
  /* a single cycle through the array (Sattolo) for the dependent chain */
  for (size_t i = 0; i < n; i++) a[i] = i;
  uint64_t s = 7;
  for (size_t i = n - 1; i > 0; i--) {
    size_t j = (size_t)(next(&s) % i), t = a[i];
    a[i] = a[j], a[j] = t;
  }
  size_t reads = (size_t)16 << 20;
  double best_ind = 0, best_dep = 0;
  for (int r = 0; r < 3; r++) {
    double t0 = now();
    uint64_t acc = 0;
#pragma omp parallel num_threads(nt) reduction(+ : acc)
    {
      uint64_t x = 12345 + (uint64_t)omp_get_thread_num();
      for (size_t i = 0; i < reads; i++) acc += a[next(&x) & (n - 1)];
    }
    double t1 = now();
#pragma omp parallel num_threads(nt) reduction(+ : acc)
    {
      uint64_t p = (uint64_t)omp_get_thread_num() * 977;
      for (size_t i = 0; i < reads / 8; i++) p = a[p];
      acc += p;
    }
    double t2 = now();
    sink = acc;
    double ind = (double)reads * nt / (t1 - t0), dep = (double)(reads / 8) * nt / (t2 - t1);
    if (ind > best_ind) best_ind = ind;
    if (dep > best_dep) best_dep = dep;
  }
  printf("random_reads_%dt %.3g reads/s (independent 8-byte reads at random places of 512 MiB)\n", nt, best_ind);
  printf("dependent_reads_%dt %.3g reads/s (%.0f ns each: a pointer chase through 512 MiB)\n", nt, best_dep,
         1e9 * nt / best_dep);
  free(a);
}

static void deflate_rate(void) {
  size_t n = (size_t)16 << 20; /* floats */
  float *v = malloc(n * sizeof *v);
  if (!v) return;
  for (size_t i = 0; i < n; i++) v[i] = (float)(1e3 / (1.0 + (double)((i % 2048) * (i % 2048) + (i / 2048) % 997)));
  uLongf cap = compressBound((uLong)(n * sizeof *v));
  Bytef *out = malloc(cap);
  double best = 0;
  uLongf got = 0;
  for (int r = 0; r < 3 && out; r++) {
    got = cap;
    double t0 = now();
    if (compress2(out, &got, (const Bytef *)v, (uLong)(n * sizeof *v), 1) != Z_OK) break;
    double rate = (double)(n * sizeof *v) / (now() - t0);
    if (rate > best) best = rate;
  }
  printf("deflate_1t %.0f MB/s (zlib level 1 of a smooth Float32 surface, to %.0f%% of its size)\n", best / 1e6,
         100.0 * (double)got / (double)(n * sizeof *v));
  free(v), free(out);
}

/* Floating-point peak of one core: 12 independent chains of vector operations (more than the pipes' latency x
 * throughput), best of 3. Each chain is x = x * a + b (FMA: 2 flops a lane; SSE2: a multiply and an add). */
#define PEAK_LOOP(T, L, OP)                                                                                            \
  double best = 0;                                                                                                     \
  for (int rep = 0; rep < 3; rep++) {                                                                                  \
    T x0 = set1(1.000), x1 = set1(1.001), x2 = set1(1.002), x3 = set1(1.003), x4 = set1(1.004), x5 = set1(1.005);      \
    T x6 = set1(1.006), x7 = set1(1.007), x8 = set1(1.008), x9 = set1(1.009), xa = set1(1.010), xb = set1(1.011);      \
    const T a = set1(0.999999), b = set1(1e-6);                                                                        \
    long n = 20000000;                                                                                                 \
    double t0 = now();                                                                                                 \
    for (long i = 0; i < n; i++) {                                                                                     \
      x0 = OP(x0, a, b), x1 = OP(x1, a, b), x2 = OP(x2, a, b), x3 = OP(x3, a, b), x4 = OP(x4, a, b);                   \
      x5 = OP(x5, a, b), x6 = OP(x6, a, b), x7 = OP(x7, a, b), x8 = OP(x8, a, b), x9 = OP(x9, a, b);                   \
      xa = OP(xa, a, b), xb = OP(xb, a, b);                                                                            \
    }                                                                                                                  \
    double dt = now() - t0, lanes[L], s = 0;                                                                           \
    T all[12] = {x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, xa, xb};                                                      \
    for (int k = 0; k < 12; k++) {                                                                                     \
      store(lanes, all[k]);                                                                                            \
      for (int l = 0; l < (L); l++) s += lanes[l];                                                                     \
    }                                                                                                                  \
    sink += (uint64_t)s;                                                                                               \
    double g = 2.0 * (L) * 12 * (double)n / dt / 1e9;                                                                  \
    if (g > best) best = g;                                                                                            \
  }                                                                                                                    \
  return best

#define set1 _mm_set1_pd
#define store _mm_storeu_pd
#define SSE2_OP(x, a, b) _mm_add_pd(_mm_mul_pd(x, a), b)
static double peak_base(void) { PEAK_LOOP(__m128d, 2, SSE2_OP); }
#undef set1
#undef store
#define set1 _mm256_set1_pd
#define store _mm256_storeu_pd
__attribute__((target("avx2,fma"))) static double peak_avx2(void) { PEAK_LOOP(__m256d, 4, _mm256_fmadd_pd); }
#undef set1
#undef store
#define set1 _mm512_set1_pd
#define store _mm512_storeu_pd
__attribute__((target("avx512f"))) static double peak_avx512(void) { PEAK_LOOP(__m512d, 8, _mm512_fmadd_pd); }
#undef set1
#undef store

static void peaks(void) {
  printf("peak base %.1f GFLOP/s (one core: SSE2 multiplies and adds)\n", peak_base());
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    printf("peak avx2 %.1f GFLOP/s (one core: AVX2 FMA)\n", peak_avx2());
  if (__builtin_cpu_supports("avx512f")) printf("peak avx512 %.1f GFLOP/s (one core: AVX-512 FMA)\n", peak_avx512());
}

static void first_touch(int nt) {
  size_t n = (size_t)512 << 20;
  double best = 1e30;
  for (int r = 0; r < 3; r++) {
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return;
    double t0 = now();
#pragma omp parallel for num_threads(nt) schedule(static)
    for (size_t i = 0; i < n; i += 4096) p[i] = 1;
    double t = now() - t0;
    if (t < best) best = t;
    munmap(p, n);
  }
  printf("first_touch_%dt %.3f s/GiB (%.2f us a 4 KiB page: the page faults of fresh memory)\n", nt, best * 2,
         best / (double)(n / 4096) * 1e6);
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--peak")) {
    peaks();
    return 0;
  }
  int nt = omp_get_max_threads();
  printf("threads %d\n", nt);
  copy_bw(1);
  if (nt > 1) copy_bw(nt);
  if (argc > 1) {
    scan_file(argv[1], 1);
    if (nt > 1) scan_file(argv[1], nt);
  }
  random_reads(1);
  if (nt > 1) random_reads(nt);
  deflate_rate();
  first_touch(1);
  if (nt > 1) first_touch(nt);
  peaks();
  return 0;
}
