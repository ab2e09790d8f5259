/* Files of a tile directory: atomic writes, directories made and removed, safe file names. */
#include "internal/sm_internal.h"
#include "internal/tiles_files.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sm__tiles_write_raw(const char *path, const void *data, size_t n) {
  static atomic_uint counter;
  const char *slash = strrchr(path, '/');
  char *tmp = slash ? sm__asprintf("%.*s/.safemap-tmp-%ld-%u.part", (int)(slash - path), path, (long)getpid(),
                                   atomic_fetch_add(&counter, 1u))
                    : sm__asprintf(".safemap-tmp-%ld-%u.part", (long)getpid(), atomic_fetch_add(&counter, 1u));
  if (!tmp) return ENOMEM;
  FILE *f = fopen(tmp, "wb");
  int err = f ? 0 : errno;
  if (f && n && fwrite(data, 1, n, f) != n) err = errno ? errno : EIO;
  if (f && fclose(f) != 0 && !err) err = errno ? errno : EIO;
  if (!err && rename(tmp, path) != 0) err = errno;
  if (err) unlink(tmp);
  sm__free(tmp);
  return err;
}

sm_status sm__tiles_write_file(sm_ctx *ctx, const char *path, const void *data, size_t n) {
  int err = sm__tiles_write_raw(path, data, n);
  if (err == ENOMEM) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  return err ? sm__error(ctx, SM_E_IO, "cannot write '%s': %s", path, strerror(err)) : SM_OK;
}

sm_status sm__tiles_mkdirs(sm_ctx *ctx, const char *dir) {
  char *p = sm__strdup(dir);
  if (!p) return sm__error(ctx, SM_E_NOMEM, "out of memory");
  sm_status st = SM_OK;
  for (char *s = p + 1;; s++) {
    if (*s && *s != '/') continue;
    char c = *s;
    *s = '\0';
    struct stat sb;
    if (stat(p, &sb) != 0) {
      if (mkdir(p, 0755) != 0 && errno != EEXIST) st = sm__error(ctx, SM_E_IO, "cannot make directory '%s': %s", p, strerror(errno));
    } else if (!S_ISDIR(sb.st_mode))
      st = sm__error(ctx, SM_E_IO, "cannot make directory '%s': a file has that name", p);
    *s = c;
    if (st || !c) break;
  }
  sm__free(p);
  return st;
}

int sm__tiles_rm_tree(const char *path) {
  struct stat sb;
  if (lstat(path, &sb) != 0) return errno == ENOENT ? 0 : errno;
  if (!S_ISDIR(sb.st_mode)) return unlink(path) == 0 ? 0 : errno;
  DIR *d = opendir(path);
  if (!d) return errno;
  int err = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    char *sub = sm__asprintf("%s/%s", path, e->d_name);
    int r = sub ? sm__tiles_rm_tree(sub) : ENOMEM;
    sm__free(sub);
    if (r && !err) err = r;
  }
  closedir(d);
  if (!err && rmdir(path) != 0) err = errno;
  return err;
}

void sm__tiles_clear_stale(sm_ctx *ctx, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strncmp(e->d_name, ".safemap-mvt-", 13)) continue;
    char *end;
    long pid = strtol(e->d_name + 13, &end, 10);
    if (end == e->d_name + 13 || *end != '-' || pid <= 0 || pid == (long)getpid()) continue;
    if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
    char *p = sm__asprintf("%s/%s", dir, e->d_name);
    if (p && sm__tiles_rm_tree(p) == 0)
      sm__log(ctx, SM_LOG_WARNING, "removed '%s', left by an earlier run that did not finish", p);
    sm__free(p);
  }
  closedir(d);
}

char *sm__tiles_file_name(const char *name) {
  char *s = sm__strdup(name && *name ? name : "_");
  if (!s) return NULL;
  for (char *p = s; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
      *p = '_';
  return s;
}
