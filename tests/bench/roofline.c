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
 *   - DEFLATE level 1 (zlib) of 64 MiB of a smooth float surface, 1 thread.
 * Each figure is the best of 3, so a busy machine shows less than it has.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int main(int argc, char **argv) {
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
  return 0;
}
