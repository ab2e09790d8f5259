/* What the fuzz targets share: the ctx made once, and a file of the input's bytes that is created once and
 * rewritten for each input (in /dev/shm when there is one: memory, not disk). Header-only: each target is
 * one program. */
#ifndef SM_FUZZ_COMMON_H
#define SM_FUZZ_COMMON_H

#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <safemap.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A ctx on `threads` threads, made on the first call and kept (one per call site). */
static inline sm_ctx *fz_ctx(sm_ctx **keep, int threads) {
  if (!*keep) {
    if (sm_ctx_create(keep) != SM_OK) abort();
    sm_ctx_set_threads(*keep, threads);
  }
  sm_ctx_clear_error(*keep);
  return *keep;
}

typedef struct fz_file {
  char path[128];
  int fd;
} fz_file;

static fz_file *fz_files_[4];
static int fz_n_files_;
static void fz_remove_files_(void) {
  for (int i = 0; i < fz_n_files_; i++) unlink(fz_files_[i]->path);
}

/* Creates f once, named safemap-fuzz-<tag>-<pid><ext> (the readers choose their parser by the extension). */
static inline void fz_file_open(fz_file *f, const char *tag, const char *ext) {
  if (f->path[0]) return;
  const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  snprintf(f->path, sizeof f->path, "%s/safemap-fuzz-%s-%ld%s", dir, tag, (long)getpid(), ext);
  f->fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (f->fd < 0) {
    perror(f->path);
    abort();
  }
  if (fz_n_files_ == 0) atexit(fz_remove_files_);
  if (fz_n_files_ < 4) fz_files_[fz_n_files_++] = f;
}

/* Replaces the file's bytes with [data, data + size). */
static inline void fz_file_put(fz_file *f, const void *data, size_t size) {
  if (ftruncate(f->fd, 0) != 0) abort();
  const char *p = data;
  for (off_t at = 0; size;) {
    ssize_t k = pwrite(f->fd, p, size, at);
    if (k <= 0) abort();
    p += k, at += k, size -= (size_t)k;
  }
}

#endif
