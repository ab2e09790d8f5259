/* Sources: what the user gave (files, globs, folders, connection strings) expanded into the files to read,
 * each file once; and the check that an output is not one of them (internal/sources.h). */
#include "internal/sources.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sm__source_is_connection(const char *s) {
  /* "PG:...", "MySQL:...", "/vsizip/..." and other GDAL prefixes. */
  if (strncmp(s, "/vsi", 4) == 0) return 1;
  const char *c = strchr(s, ':');
  if (!c || c == s) return 0;
  for (const char *q = s; q < c; q++)
    if (!isalnum((unsigned char)*q) && *q != '_') return 0;
  return c - s > 1; /* not a Windows drive letter */
}

int sm__source_has_ext(const char *path, const char *ext) {
  size_t n = strlen(path), e = strlen(ext);
  return n > e && sm__strcaseeq(path + n - e, ext);
}

static int is_glob(const char *s) { return strpbrk(s, "*?[") != NULL; }

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* ---- folder walks ------------------------------------------------------------------ */
typedef struct walk_dir_id {
  dev_t dev;
  ino_t ino;
  const char *path;
} walk_dir_id;

/* The .csv files under a folder, recursively (hidden names skipped), and the chain of folders open, so that
 * a link back into one of them (a loop) is seen and not followed. */
typedef struct walk {
  sm_ctx *ctx;
  int warn; /* log the loops met */
  char **list;
  size_t n, cap;
  walk_dir_id *open;
  size_t depth, open_cap;
} walk;

static void walk_free(walk *w) {
  for (size_t i = 0; i < w->n; i++) sm__free(w->list[i]);
  sm__free(w->list);
  sm__free(w->open);
}

static sm_status walk_dir(walk *w, const char *dir, const struct stat *ds) {
  for (size_t i = 0; i < w->depth; i++)
    if (w->open[i].dev == ds->st_dev && w->open[i].ino == ds->st_ino) {
      if (w->warn)
        sm__log(w->ctx, SM_LOG_WARNING, "'%s' is a link back to the folder '%s' (a loop): not followed", dir,
                w->open[i].path);
      return SM_OK;
    }
  if (sm__grow((void **)&w->open, &w->open_cap, w->depth + 1, sizeof *w->open))
    return sm__error(w->ctx, SM_E_NOMEM, "out of memory");
  w->open[w->depth++] = (walk_dir_id){ds->st_dev, ds->st_ino, dir};
  DIR *d = opendir(dir);
  sm_status st = SM_OK;
  if (!d && w->warn) st = sm__error(w->ctx, SM_E_IO, "cannot read directory '%s': %s", dir, strerror(errno));
  struct dirent *e;
  while (d && !st && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char *path = sm__asprintf("%s/%s", dir, e->d_name);
    if (!path) {
      st = sm__error(w->ctx, SM_E_NOMEM, "out of memory");
      break;
    }
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
      st = walk_dir(w, path, &sb);
      sm__free(path);
    } else if (sm__source_has_ext(path, ".csv")) {
      if (sm__grow((void **)&w->list, &w->cap, w->n + 1, sizeof *w->list)) {
        sm__free(path);
        st = sm__error(w->ctx, SM_E_NOMEM, "out of memory");
      } else {
        w->list[w->n++] = path;
      }
    } else {
      sm__free(path);
    }
  }
  if (d) closedir(d);
  w->depth--;
  return st;
}

/* ---- each file once ------------------------------------------------------------------ */
typedef struct seen_file {
  int has_id; /* dev/ino known (stat worked); else the name is the key */
  dev_t dev;
  ino_t ino;
  size_t src;   /* its index in r->srcs */
  char *as;     /* "A, B, ...": how it was reached, each time */
  size_t times; /* times reached */
} seen_file;

typedef struct expansion {
  sm_reader *r;
  seen_file *seen;
  size_t n_seen, cap_seen;
} expansion;

static sm_status add_src(sm_reader *r, const char *name) {
  if (sm__grow((void **)&r->srcs, &r->srcs_cap, r->n_srcs + 1, sizeof *r->srcs))
    return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  sm_src *s = &r->srcs[r->n_srcs];
  memset(s, 0, sizeof *s);
  s->name = sm__strdup(name);
  s->row_word = "row";
  if (!s->name) return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  r->n_srcs++;
  return SM_OK;
}

/* How a sighting is named: the source as given; "PATH in SOURCE" when it was found under another name inside a
 * folder or glob given. */
static char *sighting(const char *path, const char *given, const char *first_path) {
  if (!strcmp(path, first_path) || !strcmp(path, given)) return sm__strdup(given);
  return sm__asprintf("%s in %s", path, given);
}

/* Adds `path` (reached through the source `given`) unless it was reached before. */
static sm_status add_once(expansion *x, const char *path, const char *given) {
  sm_reader *r = x->r;
  struct stat sb;
  int has_id = !sm__source_is_connection(path) && stat(path, &sb) == 0;
  for (size_t i = 0; i < x->n_seen; i++) {
    seen_file *f = &x->seen[i];
    int same = has_id && f->has_id ? f->dev == sb.st_dev && f->ino == sb.st_ino
                                   : !has_id && !f->has_id && !strcmp(r->srcs[f->src].name, path);
    if (!same) continue;
    char *s = sighting(path, given, r->srcs[f->src].name);
    char *as = s ? sm__asprintf("%s, %s", f->as, s) : NULL;
    sm__free(s);
    if (!as) return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
    sm__free(f->as);
    f->as = as;
    f->times++;
    return SM_OK;
  }
  if (sm__grow((void **)&x->seen, &x->cap_seen, x->n_seen + 1, sizeof *x->seen))
    return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  seen_file *f = &x->seen[x->n_seen];
  memset(f, 0, sizeof *f);
  f->has_id = has_id;
  if (has_id) f->dev = sb.st_dev, f->ino = sb.st_ino;
  f->src = r->n_srcs;
  f->times = 1;
  if (!(f->as = sm__strdup(given))) return sm__error(r->ctx, SM_E_NOMEM, "out of memory");
  x->n_seen++;
  return add_src(r, path);
}

static sm_status expand_one(expansion *x, const char *src) {
  sm_reader *r = x->r;
  if (!src || !*src) return sm__error(r->ctx, SM_E_INVALID_ARG, "empty source name");
  if (sm__source_is_connection(src)) return add_once(x, src, src);
  if (is_glob(src)) {
    glob_t g;
    int rc = glob(src, 0, NULL, &g);
    if (rc == GLOB_NOMATCH) return sm__error(r->ctx, SM_E_IO, "no file matches '%s'", src);
    if (rc) return sm__error(r->ctx, SM_E_IO, "cannot expand '%s'", src);
    sm_status st = SM_OK;
    for (size_t i = 0; i < g.gl_pathc && !st; i++) st = add_once(x, g.gl_pathv[i], src); /* glob sorts */
    globfree(&g);
    return st;
  }
  struct stat sb;
  if (stat(src, &sb) != 0) return sm__error(r->ctx, SM_E_IO, "cannot open '%s': %s", src, strerror(errno));
  if (!S_ISDIR(sb.st_mode)) return add_once(x, src, src);
  walk w = {r->ctx, 1, NULL, 0, 0, NULL, 0, 0};
  sm_status st = walk_dir(&w, src, &sb);
  if (!st && w.n == 0) st = sm__error(r->ctx, SM_E_IO, "directory '%s' holds no .csv file", src);
  if (!st) qsort(w.list, w.n, sizeof *w.list, cmp_str);
  for (size_t i = 0; i < w.n && !st; i++) st = add_once(x, w.list[i], src);
  walk_free(&w);
  return st;
}

/* One warning naming the files reached more than once (the first three, and how many more). */
static void warn_repeats(const expansion *x) {
  size_t k = 0, shown = 0;
  for (size_t i = 0; i < x->n_seen; i++) k += x->seen[i].times > 1;
  if (!k) return;
  char msg[1800];
  size_t len = 0;
  if (k > 1) len = (size_t)snprintf(msg, sizeof msg, "%zu files were given more than once, each is read once: ", k);
  for (size_t i = 0; i < x->n_seen && shown < 3 && len < sizeof msg; i++) {
    const seen_file *f = &x->seen[i];
    if (f->times < 2) continue;
    len += (size_t)snprintf(msg + len, sizeof msg - len, "%s%s %s(as %s)", shown ? "; " : "",
                            x->r->srcs[f->src].name, k > 1 ? "" : "was given more than once ", f->as);
    shown++;
  }
  if (len < sizeof msg && k > shown) snprintf(msg + len, sizeof msg - len, "; and %zu more", k - shown);
  else if (len < sizeof msg && k == 1) snprintf(msg + len, sizeof msg - len, ": read once");
  sm__log(x->r->ctx, SM_LOG_WARNING, "%s", msg);
}

sm_status sm__sources_expand(sm_reader *r, const char *const *sources, size_t n) {
  expansion x = {r, NULL, 0, 0};
  sm_status st = SM_OK;
  for (size_t i = 0; i < n && !st; i++) st = expand_one(&x, sources[i]);
  if (!st) warn_repeats(&x);
  for (size_t i = 0; i < x.n_seen; i++) sm__free(x.seen[i].as);
  sm__free(x.seen);
  return st;
}

/* ---- an output is not an input ------------------------------------------------------- */
static int same_file(const char *p, const struct stat *o) {
  struct stat sb;
  return stat(p, &sb) == 0 && sb.st_dev == o->st_dev && sb.st_ino == o->st_ino;
}

/* 1 when the input `in` reads the file `o` (*how: how, for the message); -1 out of memory. */
static int input_reads(sm_ctx *ctx, const char *in, const char *path, const struct stat *o, const char **how) {
  if (!in || !*in || sm__source_is_connection(in)) return 0;
  if (is_glob(in)) {
    glob_t g;
    int hit = 0;
    if (glob(in, 0, NULL, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc && !hit; i++) hit = same_file(g.gl_pathv[i], o);
    globfree(&g);
    *how = "it matches";
    return hit;
  }
  struct stat sb;
  if (stat(in, &sb) != 0) return 0;
  if (!S_ISDIR(sb.st_mode)) {
    *how = strcmp(in, path) ? "the same file as" : NULL;
    return sb.st_dev == o->st_dev && sb.st_ino == o->st_ino;
  }
  walk w = {ctx, 0, NULL, 0, 0, NULL, 0, 0};
  sm_status st = walk_dir(&w, in, &sb);
  int hit = 0;
  for (size_t i = 0; !st && i < w.n && !hit; i++) hit = same_file(w.list[i], o);
  walk_free(&w);
  *how = "it is read from the folder";
  return st == SM_E_NOMEM ? -1 : hit;
}

sm_status sm__output_not_input(sm_ctx *ctx, const char *path, const char *const *inputs, size_t n) {
  struct stat o;
  if (!path || !inputs || stat(path, &o) != 0 || S_ISDIR(o.st_mode)) return SM_OK; /* nothing there to clobber */
  for (size_t i = 0; i < n; i++) {
    const char *how = NULL;
    int hit = input_reads(ctx, inputs[i], path, &o, &how);
    if (hit < 0) return sm__error(ctx, SM_E_NOMEM, "out of memory");
    if (!hit) continue;
    if (how)
      return sm__error(ctx, SM_E_INVALID_ARG,
                       "'%s' is one of the inputs (%s %s): nothing was written; choose another output path (-o)", path,
                       how, inputs[i]);
    return sm__error(ctx, SM_E_INVALID_ARG,
                     "'%s' is one of the inputs: nothing was written; choose another output path (-o)", path);
  }
  return SM_OK;
}

/* ---- temporary files ----------------------------------------------------------------- */
/* The temporary files of the writes under way, in a fixed table that a signal handler may read: it holds
 * no pointer to the heap, and sm_cleanup_temporary_files() only reads it, unlinks and renames. */
#define TEMP_SLOTS 32
#define TEMP_PATH 4096
enum { SLOT_FREE, SLOT_BUSY, SLOT_LIVE };

typedef struct temp_slot {
  atomic_int state;
  atomic_int undo;    /* interrupted now: put `final` back as it was (bak, or no file) */
  atomic_int has_bak; /* bak holds a link to what `final` was */
  char tmp[TEMP_PATH], final[TEMP_PATH], bak[TEMP_PATH];
} temp_slot;

static temp_slot g_slots[TEMP_SLOTS];
static const char *const g_temp_suffix[] = {"", "-journal", "-wal", "-shm", ".aux.xml"};

static int copy_path(char *dst, const char *src) {
  size_t n = strlen(src);
  if (n >= TEMP_PATH) return -1;
  memcpy(dst, src, n + 1);
  return 0;
}

int sm__temp_track(const char *tmp) {
  for (int i = 0; i < TEMP_SLOTS; i++) {
    int expect = SLOT_FREE;
    if (!atomic_compare_exchange_strong(&g_slots[i].state, &expect, SLOT_BUSY)) continue;
    temp_slot *s = &g_slots[i];
    atomic_store(&s->undo, 0);
    atomic_store(&s->has_bak, 0);
    s->final[0] = s->bak[0] = '\0';
    if (copy_path(s->tmp, tmp)) {
      atomic_store(&s->state, SLOT_FREE);
      return -1;
    }
    atomic_store(&s->state, SLOT_LIVE);
    return i;
  }
  return -1; /* table full: the file is still removed on failure, only not by a signal handler */
}

int sm__temp_set_final(int slot, const char *final, const char *bak) {
  if (slot < 0) return -1;
  temp_slot *s = &g_slots[slot];
  if (copy_path(s->final, final) || (bak && copy_path(s->bak, bak))) return -1;
  return 0;
}

void sm__temp_flags(int slot, int undo, int has_bak) {
  if (slot < 0) return;
  if (has_bak >= 0) atomic_store(&g_slots[slot].has_bak, has_bak);
  if (undo >= 0) atomic_store(&g_slots[slot].undo, undo);
}

void sm__temp_untrack(int slot) {
  if (slot >= 0) atomic_store(&g_slots[slot].state, SLOT_FREE);
}

int sm__temp_keep(const char *from, const char *to) {
  if (link(from, to) == 0) return 0;
  FILE *a = fopen(from, "rb"), *b = a ? fopen(to, "wb") : NULL; /* a file system without hard links */
  char buf[65536];
  size_t k;
  int bad = !a || !b;
  while (!bad && (k = fread(buf, 1, sizeof buf, a)) > 0) bad = fwrite(buf, 1, k, b) != k;
  if (a && ferror(a)) bad = 1;
  if (a) fclose(a);
  if (b && fclose(b) != 0) bad = 1;
  if (bad && b) unlink(to);
  return bad;
}

/* unlink(base + suffix) with async-signal-safe calls only. */
static void unlink_suffixed(const char *base, const char *suffix) {
  char p[TEMP_PATH + 16];
  size_t n = 0;
  for (; base[n] && n < TEMP_PATH; n++) p[n] = base[n];
  for (size_t k = 0; suffix[k] && k < 15; k++) p[n++] = suffix[k];
  p[n] = '\0';
  unlink(p);
}

void sm__temp_remove(const char *tmp) {
  for (size_t i = 0; i < sizeof g_temp_suffix / sizeof *g_temp_suffix; i++) unlink_suffixed(tmp, g_temp_suffix[i]);
}

void sm_cleanup_temporary_files(void) {
  for (int i = 0; i < TEMP_SLOTS; i++) {
    temp_slot *s = &g_slots[i];
    if (atomic_load(&s->state) != SLOT_LIVE) continue;
    int bak = atomic_load(&s->has_bak);
    if (atomic_load(&s->undo)) {
      if (bak) rename(s->bak, s->final); /* the file it replaced, back */
      else unlink(s->final);             /* a new file of a set not finished */
    } else if (bak) {
      unlink(s->bak);
    }
    for (size_t k = 0; k < sizeof g_temp_suffix / sizeof *g_temp_suffix; k++) unlink_suffixed(s->tmp, g_temp_suffix[k]);
  }
}

/* Process id in ".safemap-tmp-<pid>-...", or 0. */
static long temp_pid(const char *name) {
  static const char prefix[] = ".safemap-tmp-";
  if (strncmp(name, prefix, sizeof prefix - 1)) return 0;
  char *end;
  long pid = strtol(name + sizeof prefix - 1, &end, 10);
  return end != name + sizeof prefix - 1 && *end == '-' && pid > 0 ? pid : 0;
}

static int process_gone(long pid) { return pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH; }

/* A set of files being moved into place (a CSV and its companions; a GeoTIFF and its style) leaves ".safemap-tmp-<pid>-<n>.set" beside them: lines of
 * "final\tbackup", names in the same folder (backup empty when final is new). Found after its process died,
 * the set was not finished: every file is put back as it was. */
static void undo_set(sm_ctx *ctx, const char *dir, const char *marker) {
  FILE *f = fopen(marker, "r");
  if (!f) return;
  char line[2 * TEMP_PATH + 4];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = '\0';
    char *tab = strchr(line, '\t');
    if (!tab || tab == line || strchr(line, '/') || strchr(tab + 1, '/')) continue;
    *tab = '\0';
    char *final = sm__asprintf("%s/%s", dir, line), *bak = tab[1] ? sm__asprintf("%s/%s", dir, tab + 1) : NULL;
    if (final && bak && temp_pid(tab + 1) && rename(bak, final) == 0)
      sm__log(ctx, SM_LOG_WARNING, "'%s' put back as it was before an interrupted run", final);
    else if (final && !tab[1] && unlink(final) == 0)
      sm__log(ctx, SM_LOG_WARNING, "'%s' removed: an interrupted run wrote it but not the rest of its set", final);
    sm__free(final), sm__free(bak);
  }
  fclose(f);
}

void sm__temp_clear_stale(sm_ctx *ctx, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    long pid = temp_pid(e->d_name);
    if (!pid || !process_gone(pid)) continue;
    char *p = sm__asprintf("%s/%s", dir, e->d_name);
    if (!p || sm__grow((void **)&names, &cap, n + 1, sizeof *names)) {
      sm__free(p);
      break;
    }
    names[n++] = p;
  }
  closedir(d);
  for (size_t i = 0; i < n; i++) /* the unfinished sets first: their backups are among the files */
    if (sm__source_has_ext(names[i], ".set")) undo_set(ctx, dir, names[i]);
  for (size_t i = 0; i < n; i++) {
    if (unlink(names[i]) == 0)
      sm__log(ctx, SM_LOG_WARNING, "removed '%s', a temporary file left by an interrupted run (process %ld)",
              names[i], temp_pid(strrchr(names[i], '/') + 1));
    sm__free(names[i]);
  }
  sm__free(names);
}
