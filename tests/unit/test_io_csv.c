/* io_csv: the CSV reader on one thread and on several must give the same
 * points, in the same order, with the same skipped-row counts, examples and
 * errors. Small chunks (an internal knob) put chunk boundaries everywhere:
 * inside quoted fields with newlines and commas, on CRLF line ends, on blank
 * lines and between bad rows. */
#include "testutil.h"

#include "../same_points.h"
#include "internal/sm_internal.h"
#include "internal/reader.h"

TU_CTX_FIXTURE

/* ---- writing test files ------------------------------------------------------ */
typedef struct text {
  char *s;
  size_t n, cap;
  uint64_t lines;  /* newlines written */
  uint64_t *good;  /* line of each row the reader keeps */
  size_t ngood;
} text;

static void put(text *t, const char *s) {
  size_t k = strlen(s);
  if (t->n + k + 1 > t->cap) {
    t->cap = (t->n + k + 1) * 2;
    t->s = realloc(t->s, t->cap);
    assert_non_null(t->s);
  }
  memcpy(t->s + t->n, s, k + 1);
  t->n += k;
  for (size_t i = 0; i < k; i++) t->lines += s[i] == '\n';
}

static void putf(text *t, const char *fmt, ...) SM_PRINTF(2, 3);
static void putf(text *t, const char *fmt, ...) {
  char b[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  put(t, b);
}

static void keep_line(text *t) {
  if ((t->ngood & (t->ngood - 1)) == 0) { /* 0, 1, 2, 4, ...: double */
    t->good = realloc(t->good, (t->ngood ? 2 * t->ngood : 1) * sizeof *t->good);
    assert_non_null(t->good);
  }
  t->good[t->ngood++] = t->lines + 1;
}

static const char *save(const char *name, const text *t) {
  const char *p = tu_path(name);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(t->s, 1, t->n, f), t->n);
  fclose(f);
  return p;
}

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static unsigned rnd(unsigned n) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (unsigned)(rng % n);
}

/* A quoted field holding newlines, CRLFs, commas, "" and text that looks
 * like records or like quotes opening fields. */
static void quoted(text *t) {
  static const char *const bits[] = {"a", ",", "\n", "\r\n", "\"\"", "x,y", " ", "1,2,2024-01-01,X,Y,Z,1",
                                     "\n\"\"\n", ",\"\"\n", "\n,", "\"\",\"\""};
  put(t, "\"");
  for (int i = 1 + (int)rnd(5); i > 0; i--) put(t, bits[rnd(sizeof bits / sizeof *bits)]);
  put(t, "\"");
}

static const char *eol(void) { return rnd(3) ? "\n" : "\r\n"; }

#define HEADER "X,Y,When,Kind,Location,Note,W"

/* One data record (or a blank line) of a random kind; the kept ones' lines
 * are noted. */
static void record(text *t) {
  static const char *const kinds[] = {"Burglary", "Robbery", "\"Anti-social, behaviour\"", "\"Vehicle\ncrime\"",
                                      "\"Bur\"\"glary\"", "Drugs", ""};
  static const char *const places[] = {"On or near A Street", "\"On or near B, Road\"", "\"Multi\nline\"", "",
                                       "Plain", "\"\""};
  static const char *const whens[] = {"2024-03", "2024-03-05", "2024-03-05T10:00:00", "05/03/2024", "2023-12"};
  unsigned k = rnd(24);
  char x[32], y[32];
  snprintf(x, sizeof x, "%u.%02u", 520000 + rnd(20000), rnd(100));
  snprintf(y, sizeof y, "%u.%u", 170000 + rnd(20000), rnd(10));
  const char *when = whens[rnd(5)], *kind = kinds[rnd(7)], *place = places[rnd(6)];
  switch (k) {
  case 0: put(t, ""); break;                                      /* blank line */
  case 1: putf(t, "%s,%s", x, y); break;                          /* too few fields */
  case 2: putf(t, ",,%s,%s,%s,n,1", when, kind, place); break;    /* no coordinates */
  case 3: putf(t, "%s, ,%s,%s,%s,n,1", x, when, kind, place); break; /* one coordinate */
  case 4: putf(t, "5%sx,%s,%s,%s,%s,n,1", x, y, when, kind, place); break; /* not a number */
  case 5: putf(t, "%s,%s,2024-13-45,%s,%s,n,1", x, y, kind, place); break; /* not a date */
  case 6: putf(t, "%s,%s,,%s,%s,n,1", x, y, kind, place); break;  /* no date */
  case 7: putf(t, "%s,%s,%s,%s,%s,n,%s", x, y, when, kind, place, rnd(2) ? "-1" : "abc"); break;
  case 8: /* kept, then outside the CRS */
    keep_line(t);
    putf(t, "1e9,%s,%s,%s,%s,n,1", y, when, kind, place);
    break;
  case 9: putf(t, "\"5%s\n%s\",%s,%s,%s,%s,n,1", x, x, y, when, kind, place); break; /* quoted newline first */
  case 10: /* kept, its first field quoted */
    keep_line(t);
    putf(t, "\"%s\",%s,%s,%s,%s,\"n\"\"\n\",1", x, y, when, kind, place);
    break;
  default: { /* kept, with every kind of quoting in the note */
    keep_line(t);
    putf(t, "%s,%s,%s,%s,%s,", x, y, when, kind, place);
    switch (rnd(6)) {
    case 0: quoted(t); break;
    case 1: put(t, "ab\"cd"); break;      /* a quote inside a field is text */
    case 2: put(t, "\"abc\"tail"); break; /* text after a closing quote is kept */
    case 3: put(t, "\"\""); break;
    default: put(t, "note"); break;
    }
    putf(t, ",%s", rnd(4) ? " 2.5 " : "1");
  }
  }
  put(t, eol());
}

static const char *mixed_file(const char *name, int rows, text *t) {
  memset(t, 0, sizeof *t);
  put(t, HEADER);
  put(t, eol());
  for (int i = 0; i < rows; i++) record(t);
  return save(name, t);
}

static void text_free(text *t) {
  free(t->s);
  free(t->good);
}

/* ---- reading ---------------------------------------------------------------- */
static size_t max_chunks;
static void log_chunks(sm_log_level level, const char *msg, void *user) {
  (void)level, (void)user;
  const char *c = strstr(msg, " chunks on ");
  if (!c) return;
  while (c > msg && c[-1] >= '0' && c[-1] <= '9') c--;
  size_t n = strtoul(c, NULL, 10);
  if (n > max_chunks) max_chunks = n;
}

typedef struct result {
  sm_status st;
  char msg[2048];
  sm_points *p;
} result;

static result read_as(const char *const *src, size_t n, const sm_read_options *o, int threads, size_t chunk) {
  result res;
  sm_read_tuning tune = {1, chunk, 0, 0};
  sm_ctx_set_threads(ctx, threads);
  sm_ctx_set_log(ctx, log_chunks, SM_LOG_DEBUG, NULL);
  res.p = NULL;
  res.st = sm__points_read_tuned(ctx, &res.p, src, n, o, chunk ? &tune : NULL);
  snprintf(res.msg, sizeof res.msg, "%s", res.st ? sm_ctx_last_error(ctx) : "");
  sm_ctx_set_log(ctx, NULL, SM_LOG_ERROR, NULL);
  sm_ctx_set_threads(ctx, 0);
  return res;
}

/* Built with OpenMP? Without, every read is a one-thread read. */
static int several_threads(void) {
  sm_ctx_set_threads(ctx, 2);
  int n = sm_ctx_threads(ctx);
  sm_ctx_set_threads(ctx, 0);
  return n > 1;
}

static const size_t CHUNKS[] = {1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 377, 1000, 100000};

/* Reads src on 2 and 4 threads with every chunk size and checks each result
 * against the one-thread reader's. Returns that (caller frees). */
static result same_on_all_threads_as(const char *const *src, size_t n, const sm_read_options *o, int parallel) {
  result want = read_as(src, n, o, 1, 0);
  max_chunks = 0;
  for (size_t c = 0; c < sizeof CHUNKS / sizeof *CHUNKS; c++) {
    for (int threads = 2; threads <= 4; threads += 2) {
      result got = read_as(src, n, o, threads, CHUNKS[c]);
      if (got.st != want.st || strcmp(got.msg, want.msg))
        fail_msg("%d threads, chunks of %zu: status %d '%s', one thread %d '%s'", threads, CHUNKS[c], got.st,
                 got.msg, want.st, want.msg);
      const char *d = sp_diff(want.p, got.p);
      if (d) fail_msg("%d threads, chunks of %zu: %s differs", threads, CHUNKS[c], d);
      sm_points_destroy(got.p);
    }
  }
  if (parallel && several_threads()) assert_true(max_chunks > 1); /* the parallel reader did run */
  return want;
}

static result same_on_all_threads(const char *const *src, size_t n, const sm_read_options *o) {
  return same_on_all_threads_as(src, n, o, 1);
}

static sm_read_options xy_options(void) {
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.x_field = "X";
  o.y_field = "Y";
  o.crs = "EPSG:27700";
  o.time_field = "When";
  o.category_field = "Kind";
  o.weight_field = "W";
  return o;
}

/* ---- tests ------------------------------------------------------------------- */
static void quoted_multiline_crlf_blank_and_bad_rows(void **state) {
  (void)state;
  text t;
  const char *f = mixed_file("mixed.csv", 600, &t);
  const char *src[] = {f};
  sm_read_options o = xy_options();
  result r = same_on_all_threads(src, 1, &o);
  assert_int_equal(r.st, SM_OK);
  /* the file has a bit of everything */
  assert_true(sm_points_count(r.p) > 100);
  static const sm_bad_reason seen[] = {SM_BAD_FIELDS, SM_BAD_NO_COORDS, SM_BAD_NUMBER, SM_BAD_TIME,
                                       SM_BAD_NO_TIME, SM_BAD_WEIGHT, SM_BAD_OUTSIDE_CRS};
  for (size_t k = 0; k < sizeof seen / sizeof *seen; k++) assert_true(sm_points_rows_bad(r.p, seen[k]) > 5);
  assert_int_equal(sm_points_bad_example_count(r.p, SM_BAD_NUMBER), 5);
  assert_true(sm_points_category_count(r.p) >= 5);
  sm_points_destroy(r.p);
  /* --type, --from/--to and no labels: filters counted alike */
  o.types = "Burglary,Drugs";
  o.time_from = "2024-01";
  o.time_to = "2024-12";
  o.skip_labels = 1;
  r = same_on_all_threads(src, 1, &o);
  assert_int_equal(r.st, SM_OK);
  assert_true(sm_points_rows_filtered(r.p, SM_FILTER_TYPE) > 0);
  assert_true(sm_points_rows_filtered(r.p, SM_FILTER_TIME) > 0);
  sm_points_destroy(r.p);
  text_free(&t);
}

/* Chunks of 256 KB and more: the last 2 * threads chunks' worth of the file is cut four times finer (so that
 * the threads finish together); the same points as on one thread. */
static void finer_tail_chunks(void **state) {
  (void)state;
  text t;
  const char *f = mixed_file("mixed_big.csv", 70000, &t);
  const char *src[] = {f};
  sm_read_options o = xy_options();
  FILE *fp = fopen(f, "rb");
  assert_non_null(fp);
  fseek(fp, 0, SEEK_END);
  long size = ftell(fp);
  fclose(fp);
  size_t chunk = (size_t)1 << 18;
  assert_true(size > (long)(12 * chunk)); /* chunks of the whole size, and the finer tail */
  result want = read_as(src, 1, &o, 1, 0);
  assert_int_equal(want.st, SM_OK);
  for (int threads = 2; threads <= 4; threads += 2) {
    max_chunks = 0;
    result got = read_as(src, 1, &o, threads, chunk);
    assert_int_equal(got.st, SM_OK);
    const char *d = sp_diff(want.p, got.p);
    if (d) fail_msg("%d threads, chunks of %zu: %s differs", threads, chunk, d);
    sm_points_destroy(got.p);
    if (several_threads()) {
      /* whole chunks up to the tail, then quarter chunks over it */
      size_t tail = 2 * (size_t)threads * chunk, whole = ((size_t)size - tail) / chunk;
      if (max_chunks < whole + 3 * tail / chunk) fail_msg("%d threads: %zu chunks of %ld bytes", threads, max_chunks, size);
    }
  }
  sm_points_destroy(want.p);
  text_free(&t);
}

/* The first bad row in file order is the --strict error, whichever chunk
 * found one first. */
static void strict_first_bad_row(void **state) {
  (void)state;
  text t;
  memset(&t, 0, sizeof t);
  put(&t, HEADER "\n");
  for (int i = 0; i < 300; i++) {
    putf(&t, "%d,180000,2024-03,Burglary,\"Multi\nline, place\",\"a\"\"b\nc\",1\r\n", 530000 + i);
    if (i % 50 == 0) put(&t, "\n");
  }
  put(&t, "530000,180000,2024-03,Burglary,x,\"note\n\",oops\n"); /* the first bad row */
  for (int i = 0; i < 100; i++) put(&t, i % 2 ? "530000,180000\n" : "1,2,,Burglary,x,y,1\n");
  const char *f = save("strict.csv", &t);
  const char *src[] = {f};
  sm_read_options o = xy_options();
  o.strict = 1;
  result r = same_on_all_threads(src, 1, &o);
  assert_int_equal(r.st, SM_E_INPUT);
  char want[600];
  /* 300 rows of 3 lines and 6 blank lines after the header */
  snprintf(want, sizeof want, "%s:908: field 'W' value 'oops' is not a weight >= 0", f);
  assert_contains(r.msg, want);
  assert_contains(r.msg, "--strict");
  /* without --strict: all of them, the first five as examples */
  o.strict = 0;
  r = same_on_all_threads(src, 1, &o);
  assert_int_equal(r.st, SM_OK);
  assert_int_equal(sm_points_count(r.p), 300);
  assert_int_equal(sm_points_rows_bad(r.p, SM_BAD_FIELDS), 50);
  assert_int_equal(sm_points_rows_bad(r.p, SM_BAD_NO_TIME), 50);
  assert_int_equal(sm_points_rows_read(r.p), 401);
  snprintf(want, sizeof want, "%s:911: the row has 2 fields", f);
  assert_contains(sm_points_bad_example(r.p, SM_BAD_FIELDS, 0), want);
  snprintf(want, sizeof want, "%s:919: the row has 2 fields", f);
  assert_contains(sm_points_bad_example(r.p, SM_BAD_FIELDS, 4), want);
  sm_points_destroy(r.p);
  text_free(&t);
}

/* The row numbers staged with each point are the file's physical lines
 * (those inside quoted fields counted), as the one-thread reader has them. */
static void row_numbers(void **state) {
  (void)state;
  text t;
  const char *f = mixed_file("rows.csv", 400, &t);
  sm_read_options o = xy_options();
  for (size_t c = 0; c < sizeof CHUNKS / sizeof *CHUNKS; c++) {
    for (int threads = 1; threads <= 4; threads++) {
      sm_reader r;
      memset(&r, 0, sizeof r);
      sm_read_tuning tune = {1, CHUNKS[c], 0, 0};
      sm_src src;
      memset(&src, 0, sizeof src);
      src.name = sm__strdup(f);
      src.row_word = "row";
      r.ctx = ctx;
      r.opts = &o;
      r.tune = threads > 1 ? &tune : NULL;
      r.all_policeuk = 1;
      r.srcs = &src;
      r.n_srcs = r.srcs_cap = 1;
      sm_ctx_set_threads(ctx, threads);
      assert_ok(ctx, sm__points_alloc(ctx, &r.p));
      assert_ok(ctx, sm__read_csv(&r, 0));
      assert_int_equal(r.p->n, t.ngood);
      for (size_t i = 0; i < t.ngood; i++)
        if (r.row[i] != t.good[i])
          fail_msg("%d threads, chunks of %zu: point %zu is row %llu, not %llu", threads, CHUNKS[c], i,
                   (unsigned long long)r.row[i], (unsigned long long)t.good[i]);
      sm_points_destroy(r.p);
      sm__free(r.row);
      sm__free(r.srcidx);
      sm__free(r.cat_keep);
      sm__free(r.last_crs_in);
      sm__free(r.last_crs_norm);
      sm__free(src.name);
      sm__free(src.crs);
    }
  }
  sm_ctx_set_threads(ctx, 0);
  text_free(&t);
}

/* Errors at the end, odd files, several sources, the default chunking. */
static void edge_files(void **state) {
  (void)state;
  sm_read_options o = xy_options();
  /* a quoted field never closed: the same error, the same line */
  text t;
  memset(&t, 0, sizeof t);
  put(&t, HEADER "\n");
  for (int i = 0; i < 50; i++) put(&t, "530000,180000,2024-03,Burglary,\"a\nb\",n,1\n");
  put(&t, "530000,180000,2024-03,Burglary,x,\"never closed\n,,,\n");
  const char *f = save("open_quote.csv", &t);
  const char *src[] = {f};
  result r = same_on_all_threads(src, 1, &o);
  assert_int_equal(r.st, SM_E_INPUT);
  assert_contains(r.msg, "open_quote.csv:102: a quoted field is never closed");
  text_free(&t);
  /* only blank lines after the header */
  f = tu_write("blank.csv", HEADER "\r\n\n\r\n\n\n");
  src[0] = f;
  r = same_on_all_threads(src, 1, &o);
  assert_int_equal(r.st, SM_E_INPUT);
  assert_contains(r.msg, "header but no data rows");
  /* a NUL byte: read on one thread, still the same */
  memset(&t, 0, sizeof t);
  put(&t, HEADER "\n");
  for (int i = 0; i < 40; i++) put(&t, "530000,180000,2024-03,Burglary,A,n,1\n");
  t.s[t.n - 10] = '\0';
  f = save("nul.csv", &t);
  src[0] = f;
  r = same_on_all_threads_as(src, 1, &o, 0);
  assert_int_equal(max_chunks, 0);
  assert_int_equal(r.st, SM_OK);
  sm_points_destroy(r.p);
  text_free(&t);
  /* a BOM, a quoted header, CRLF, no newline at the end; two sources in one read */
  text a;
  memset(&a, 0, sizeof a);
  put(&a, "\xEF\xBB\xBF\"X\",Y,\"When\",Kind,Location,Note,W\r\n");
  for (int i = 0; i < 60; i++) record(&a);
  put(&a, "530000,180000,2024-03,\"New\nkind\",\"Last, place\",n,1");
  const char *g = save("bom.csv", &a);
  text m;
  const char *h = mixed_file("second.csv", 200, &m);
  const char *two[] = {g, h};
  r = same_on_all_threads(two, 2, &o);
  assert_int_equal(r.st, SM_OK);
  assert_int_equal(sm_points_source_count(r.p), 2);
  sm_points_destroy(r.p);
  text_free(&a);
  text_free(&m);
  /* over the default threshold: the default chunk size */
  memset(&t, 0, sizeof t);
  put(&t, HEADER "\n");
  while (t.n < ((size_t)5 << 20)) record(&t);
  f = save("big.csv", &t);
  src[0] = f;
  result one = read_as(src, 1, &o, 1, 0);
  max_chunks = 0;
  result two_threads = read_as(src, 1, &o, 2, 0);
  assert_int_equal(one.st, SM_OK);
  assert_int_equal(two_threads.st, SM_OK);
  const char *d = sp_diff(one.p, two_threads.p);
  if (d) fail_msg("5 MB file, 2 threads: %s differs", d);
  if (several_threads()) assert_true(max_chunks > 1);
  sm_points_destroy(one.p);
  sm_points_destroy(two_threads.p);
  text_free(&t);
}

/* Random text from a CSV's alphabet (quotes, separators, CR, LF, digits):
 * quoting in every odd state; one thread and three agree, with and without
 * --strict. */
static void alphabet_soup(void **state) {
  (void)state;
  static const char abc[] = "\"\"\",,,\n\n\r530.-e a2\"";
  sm_read_options o = SM_READ_OPTIONS_INIT;
  o.x_field = "x";
  o.y_field = "y";
  o.crs = "EPSG:27700";
  o.time_field = "t";
  o.category_field = "c";
  for (int f = 0; f < 200; f++) {
    text t;
    memset(&t, 0, sizeof t);
    put(&t, "x,y,t,c\n");
    char one[2] = {0, 0};
    for (unsigned n = rnd(400); n > 0; n--) {
      one[0] = abc[rnd(sizeof abc - 1)];
      put(&t, one);
    }
    if (rnd(2)) put(&t, "530000,180000,2024-01,\"A\nB\"\n"); /* something to keep */
    const char *path = save("soup.csv", &t);
    const char *src[] = {path};
    for (o.strict = 0; o.strict < 2; o.strict++) {
      result want = read_as(src, 1, &o, 1, 0);
      for (size_t chunk = 1; chunk <= 7; chunk += 3) {
        result got = read_as(src, 1, &o, 3, chunk);
        const char *d = sp_diff(want.p, got.p);
        if (got.st != want.st || strcmp(got.msg, want.msg) || d)
          fail_msg("file %d, strict %d, chunks of %zu: %d '%s' vs %d '%s' (%s)\n%s", f, o.strict, chunk, got.st,
                   got.msg, want.st, want.msg, d ? d : "same points", t.s);
        sm_points_destroy(got.p);
      }
      sm_points_destroy(want.p);
    }
    text_free(&t);
  }
}

static int cancel_in_read(double f, const char *msg, void *user) {
  (void)f, (void)user;
  return strcmp(msg, "reading") != 0;
}

/* Cancelling while the chunks are read stops the read, and frees it all. */
/* More than 20,000 points in several files of odd length: the CRS is chosen from a sample of each file, which
 * once overran its buffer (every file sampled from its own first row: one more point per file). */
static void many_odd_files(void **state) {
  (void)state;
  const char *src[3];
  for (int f = 0; f < 3; f++) {
    char name[32];
    snprintf(name, sizeof name, "odd%d.csv", f);
    const char *path = tu_path(name);
    FILE *o = fopen(path, "wb");
    assert_non_null(o);
    fputs(PUK_HEADER, o);
    for (int i = 0; i < 7001; i++)
      fprintf(o, ",2024-01,M,M,%.6f,%.6f,On or near X,E01000001,Camden 001A,Burglary,,\n", -0.15 + i * 1e-6,
              51.55 + f * 1e-3);
    fclose(o);
    src[f] = path;
  }
  sm_points *p = NULL;
  assert_ok(ctx, sm_points_read(ctx, &p, src, 3, NULL));
  assert_int_equal(sm_points_count(p), 21003);
  assert_string_equal(sm_points_crs(p), "EPSG:27700");
  sm_points_destroy(p);
}

static void cancel(void **state) {
  (void)state;
  text t;
  const char *f = mixed_file("cancel.csv", 300, &t);
  const char *src[] = {f};
  sm_read_options o = xy_options();
  sm_read_tuning tune = {1, 64, 0, 0};
  sm_ctx_set_threads(ctx, 2);
  sm_ctx_set_progress(ctx, cancel_in_read, NULL);
  sm_points *p = (sm_points *)1;
  assert_int_equal(sm__points_read_tuned(ctx, &p, src, 1, &o, &tune), SM_E_CANCELLED);
  assert_null(p);
  assert_contains(sm_ctx_last_error(ctx), "cancelled by the caller during reading");
  sm_ctx_set_progress(ctx, NULL, NULL);
  sm_ctx_set_threads(ctx, 0);
  text_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(quoted_multiline_crlf_blank_and_bad_rows),
      cmocka_unit_test(finer_tail_chunks),
      cmocka_unit_test(strict_first_bad_row),
      cmocka_unit_test(row_numbers),
      cmocka_unit_test(edge_files),
      cmocka_unit_test(alphabet_soup),
      cmocka_unit_test(many_odd_files),
      cmocka_unit_test(cancel),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
