/* IES LM-63 photometric files (lib/audit_ies.c, docs/photometry.md): the cosine file against the point-source
 * model of sm_light_illuminance, the symmetry forms against their expansion, a real file's flux against
 * Photometric Toolbox's, each refusal with its file and line, out of memory at each allocation, determinism.
 * Fixtures: tests/data/ies/ (README.md there). */
#include "testutil.h"

#include "internal/audit_ies.h"
#include "internal/sm_internal.h"

#include <math.h>

#define IES_DIR SM_TEST_SRCDIR "/tests/data/ies/"

static sm_ctx *new_ctx(void) {
  sm_ctx *ctx = NULL;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  return ctx;
}

static void read_ok(sm_ctx *ctx, const char *path, sm__ies *ies) {
  sm_status st = sm__ies_read(ctx, path, ies);
  if (st != SM_OK) fail_msg("%s: %s", path, sm_ctx_last_error(ctx));
}

#define assert_rel(a, b, tol)                                                                                       \
  do {                                                                                                              \
    double a_ = (a), b_ = (b);                                                                                      \
    if (!(fabs(a_ - b_) <= (tol) * fabs(b_))) fail_msg("%s = %.10g, %s = %.10g: off by %.3g relative", #a, a_, #b, \
                                                       b_, fabs(a_ - b_) / fabs(b_));                               \
  } while (0)

/* ∫ E(r) 2π r dr from 0 to 1000 h, by the trapezium rule on a geometric grid (numerical, not the identity). */
static double plane_integral(const double *prof, size_t n, double scale, double h) {
  double sum = 0, r0 = 0, e0 = sm__ies_illuminance(prof, n, scale, h, 0);
  for (double r = h * 1e-4; r0 < 1000 * h; r = r < h * 1e-3 ? r + h * 1e-4 : r * 1.0005) {
    double e = sm__ies_illuminance(prof, n, scale, h, r);
    sum += (r - r0) * (e0 * r0 + e * r) * M_PI;
    r0 = r, e0 = e;
  }
  return sum;
}

/* I = I0 cos γ, lumens π I0: the point source of sm_light_illuminance (E = F·MF/π h²/(h²+r²)²). */
static void cosine_is_the_point_source(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  sm__ies ies;
  read_ok(ctx, IES_DIR "cosine.ies", &ies);
  const double I0 = 1000;
  assert_int_equal(ies.n_v, 19);
  assert_int_equal(ies.n_h, 1);
  assert_string_equal(ies.version, "LM-63-2002");
  assert_rel(ies.lamp_lumens, M_PI * I0, 1e-7);
  assert_rel(ies.multiplier, 1, 1e-15);
  assert_rel(ies.input_watts, 30, 1e-15);
  assert_int_equal(ies.units, 2);
  /* the zonal-lumen flux of the table: π I0 to 1e-3 (the chords of cos every 5 degrees lose 6e-4) */
  assert_rel(ies.flux, M_PI * I0, 1e-3);
  assert_true(ies.flux < M_PI * I0);
  assert_rel(ies.downward_flux, ies.flux, 1e-12);
  /* the intensity: the file's values at its angles, any C, 0 above the horizontal */
  for (int g = 0; g <= 85; g += 5)
    for (double c = -720; c <= 720; c += 37.5) assert_rel(sm__ies_intensity(&ies, g, c), I0 * cos(g * M_PI / 180), 1e-6);
  assert_true(sm__ies_intensity(&ies, 90, 0) == 0);
  assert_true(sm__ies_intensity(&ies, 120, 0) == 0);
  assert_rel(sm__ies_intensity(&ies, -30, 10), sm__ies_intensity(&ies, 30, 190), 1e-15);
  /* the mean profile: 181 samples every 0.5 degree */
  double *prof = NULL;
  size_t n = 0;
  assert_ok(ctx, sm__ies_mean_profile(ctx, &ies, &prof, &n));
  assert_int_equal(n, 181);
  assert_rel(prof[0], I0, 1e-9);
  assert_rel(prof[120], I0 * cos(60 * M_PI / 180), 1e-6);
  assert_true(prof[180] == 0);
  /* the illuminance: sm_light_illuminance's to 1e-3 at several offsets (the chords again: 9.5e-4 at most) */
  const double F = 5000, MF = 0.8, scale = F * MF / ies.lamp_lumens;
  const double hs[] = {4, 6, 10}, rs[] = {0, 0.7, 1.5, 3, 4.2, 6, 9.5, 15, 24, 40};
  for (size_t a = 0; a < 3; a++)
    for (size_t b = 0; b < sizeof rs / sizeof rs[0]; b++) {
      double want = sm_light_illuminance(F, MF, hs[a], rs[b], INFINITY);
      assert_rel(sm__ies_illuminance(prof, n, scale, hs[a], rs[b]), want, 1e-3);
    }
  assert_true(sm__ies_illuminance(prof, n, scale, 0, 3) == 0);
  assert_true(sm__ies_illuminance(prof, n, scale, 6, INFINITY) == 0);
  /* the plane integral of the illuminance: the flux (scale 1: the file's own luminaire) */
  assert_rel(plane_integral(prof, n, 1, 6), ies.flux, 1e-3);
  assert_rel(plane_integral(prof, n, scale, 8), F * MF * ies.flux / ies.lamp_lumens, 1e-3);
  sm__free(prof);
  sm__ies_free(&ies);
  sm_ctx_destroy(ctx);
}

/* A quadrant file and the same light written in every other symmetry form. */
static const char *const QUAD_HEAD = "IESNA:LM-63-1995\n[TEST] %s\nTILT=NONE\n1 6000 1.0 19 %zu 1 2 0.3 0.6 0.1\n"
                                     "1.0 1.0 50\n0 10 20 30 40 50 60 70 80 90 100 110 120 130 140 150 160 170 180\n";
static const char *const QUAD_SET[3] = {"500 499 503 535 615 748 912 1064 1142 40 2 2 2 2 2 2 2 2 2\n",
                                        "500 498 499 518 569 655 761 854 888 40 2 2 2 2 2 2 2 2 2\n",
                                        "500 498 495 499 515 546 583 608 592 40 2 2 2 2 2 2 2 2 2\n"};

/* Writes the quadrant light with the horizontal angles hs (each set the quadrant's at its folded angle). */
static const char *write_form(const char *name, const double *hs, size_t nh) {
  char text[4096];
  int o = snprintf(text, sizeof text, QUAD_HEAD, name, nh);
  for (size_t i = 0; i < nh; i++) o += snprintf(text + o, sizeof text - (size_t)o, "%g ", hs[i]);
  o += snprintf(text + o, sizeof text - (size_t)o, "\n");
  for (size_t i = 0; i < nh; i++) {
    double c = fmod(hs[i], 180);
    if (c > 90) c = 180 - c;
    o += snprintf(text + o, sizeof text - (size_t)o, "%s", QUAD_SET[(int)lround(c / 45)]);
  }
  return tu_write(name, text);
}

static void same_light(const sm__ies *a, const sm__ies *b) {
  for (double g = 0; g <= 180; g += 2.5)
    for (double c = -400; c <= 400; c += 6.5) {
      double x = sm__ies_intensity(a, g, c), y = sm__ies_intensity(b, g, c);
      if (fabs(x - y) > 1e-9 * fmax(1, fabs(y))) fail_msg("%s and %s differ at gamma %g, C %g: %.12g, %.12g", a->path,
                                                           b->path, g, c, x, y);
    }
  assert_rel(a->flux, b->flux, 1e-12);
  assert_rel(a->downward_flux, b->downward_flux, 1e-12);
}

static void symmetry_forms_agree(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  sm__ies q, full;
  read_ok(ctx, IES_DIR "quadrant.ies", &q);
  read_ok(ctx, IES_DIR "quadrant_full.ies", &full);
  assert_int_equal(q.n_h, 3);
  assert_int_equal(full.n_h, 9);
  same_light(&q, &full);
  /* the quadrant's mirrors, and its interpolation in C */
  for (double g = 5; g < 90; g += 10)
    for (double c = 0; c <= 90; c += 7) {
      double x = sm__ies_intensity(&q, g, c);
      assert_rel(sm__ies_intensity(&q, g, -c), x, 1e-12);
      assert_rel(sm__ies_intensity(&q, g, 180 - c), x, 1e-12);
      assert_rel(sm__ies_intensity(&q, g, 180 + c), x, 1e-12);
    }
  assert_rel(sm__ies_intensity(&q, 70, 0), 1064, 1e-12);
  assert_rel(sm__ies_intensity(&q, 70, 90), 608, 1e-12);
  assert_rel(sm__ies_intensity(&q, 70, 22.5), (1064 + 854) / 2.0, 1e-12);
  assert_rel(sm__ies_intensity(&q, 75, 45), (854 + 888) / 2.0, 1e-12);
  assert_rel(sm__ies_intensity(&q, 75, 22.5), (1064 + 1142 + 854 + 888) / 4.0, 1e-12);
  /* bilateral (0-180), the 90-270 plane of LM-63-1995, and a whole circle short of 360 (0..315, wrapping) */
  const double bil[] = {0, 45, 90, 135, 180}, pl90[] = {90, 135, 180, 225, 270}, wrap[] = {0, 45, 90, 135, 180, 225, 270, 315};
  struct { const char *name; const double *h; size_t n; } forms[] = {
      {"bilateral.ies", bil, 5}, {"plane90.ies", pl90, 5}, {"wrap315.ies", wrap, 8}};
  for (size_t f = 0; f < 3; f++) {
    sm__ies o;
    read_ok(ctx, write_form(forms[f].name, forms[f].h, forms[f].n), &o);
    same_light(&o, &q);
    sm__ies_free(&o);
  }
  /* the mean profile over C: the same from each form; at gamma 70 the trapezium over 0, 45, 90 */
  double *p1 = NULL, *p2 = NULL;
  size_t n1 = 0, n2 = 0;
  assert_ok(ctx, sm__ies_mean_profile(ctx, &q, &p1, &n1));
  assert_ok(ctx, sm__ies_mean_profile(ctx, &full, &p2, &n2));
  assert_int_equal(n1, n2);
  for (size_t k = 0; k < n1; k++) assert_rel(p1[k], p2[k], 1e-12);
  assert_rel(p1[140], (1064 + 2 * 854 + 608) / 4.0, 1e-12);
  /* upward light: in the flux, not in the downward flux */
  assert_true(q.flux > q.downward_flux);
  double up = 0; /* 2π ∫ I sin γ from 90 to 180, I = 40 → 2 over 90..100, then 2: by the midpoint rule */
  for (int k = 0; k < 90000; k++) {
    double g = 90 + (k + 0.5) / 1000;
    up += (g < 100 ? 40 - 38 * (g - 90) / 10 : 2) * sin(g * M_PI / 180) * (M_PI / 180 / 1000);
  }
  assert_rel(q.flux - q.downward_flux, 2 * M_PI * up, 1e-6);
  sm__free(p1), sm__free(p2);
  sm__ies_free(&q), sm__ies_free(&full);
  sm_ctx_destroy(ctx);
}

/* A real file: RAB Lighting's PRT70/480 (tests/data/ies/README.md): absolute photometry, quadrant symmetric,
 * uneven angles, CRLF. Its flux by Photometric Toolbox: 9217.18 lm. */
static void real_file(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  sm__ies r;
  read_ok(ctx, IES_DIR "rab_prt70.ies", &r);
  assert_string_equal(r.version, "LM-63-2002");
  assert_true(isnan(r.lamp_lumens));
  assert_rel(r.multiplier, 1.032007, 1e-12);
  assert_int_equal(r.n_v, 74);
  assert_int_equal(r.n_h, 12);
  assert_rel(r.v[27], 66, 1e-15);
  assert_rel(r.h[6], 46, 1e-15);
  assert_rel(r.input_watts, 69.6, 1e-15);
  assert_int_equal(r.units, 1);
  assert_rel(r.opening_m[0], 1.47 * 0.3048, 1e-12);
  assert_string_equal(r.path, IES_DIR "rab_prt70.ies");
  assert_rel(r.cd[0], 389 * 1.032007, 1e-12);
  assert_rel(sm__ies_intensity(&r, 60, 0), 1884 * 1.032007, 1e-12);
  assert_rel(sm__ies_intensity(&r, 180, 90), 15 * 1.032007, 1e-12);
  assert_rel(sm__ies_intensity(&r, 60, 45.5), (1793 + 1801) / 2.0 * 1.032007, 1e-12);
  assert_rel(sm__ies_intensity(&r, 60, 360 - 45.5), (1793 + 1801) / 2.0 * 1.032007, 1e-12);
  assert_rel(r.flux, 9217.18, 5e-4); /* 9218.26: the exact integral of the bilinear table */
  assert_true(r.downward_flux > 0.75 * r.flux && r.downward_flux < 0.77 * r.flux); /* 6,994 lm below */
  double *p = NULL;
  size_t n = 0;
  assert_ok(ctx, sm__ies_mean_profile(ctx, &r, &p, &n));
  for (size_t k = 0; k < n; k++) assert_true(p[k] > 0);
  /* below it, at 4 m: the mean of the 12 sets at 0 is 389 cd */
  assert_rel(sm__ies_illuminance(p, n, 1, 4, 0), 389 * 1.032007 / 16, 1e-12);
  sm__free(p);
  sm__ies_free(&r);
  sm_ctx_destroy(ctx);
}

/* The versions, relative photometry, numbers wrapped anyhow and separated by commas, CRLF and CR line ends, a
 * DOS end-of-file mark, what follows the table. */
static void formats_read(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  sm__ies r;
  /* LM-63-1986: no version line, free label lines; 2 lamps of 1000 lm, multiplier 2, ballast factor 0.5 */
  read_ok(ctx, tu_write("f86.ies", "SOME MAKER\nSTREET LANTERN 70W\nTILT=NONE\n2 1000 2.0 3 1 1 2 0 0 0 0.5 1 70\n"
                                   "0 45 90 0 100 80 0\n"), &r);
  assert_string_equal(r.version, "LM-63-1986");
  assert_rel(r.lamp_lumens, 2000, 1e-15);
  assert_rel(r.multiplier, 1, 1e-15);
  assert_rel(r.cd[1], 80, 1e-15);
  sm__ies_free(&r);
  /* IESNA91, commas, one number a line, CRLF */
  read_ok(ctx, tu_write("f91.ies", "IESNA91\r\n[TEST] x\r\nTILT=NONE\r\n1,1000,1,3,1,1,2,0,0,0\r\n1,1,10\r\n0,\r\n45,"
                                   "\r\n90\r\n0\r\n100\r\n80\r\n0\r\n"), &r);
  assert_string_equal(r.version, "LM-63-1991");
  assert_rel(sm__ies_intensity(&r, 22.5, 0), 90, 1e-15);
  sm__ies_free(&r);
  /* LM-63-2019, CR alone, a 2019 file-generation type in place of "future use", a DOS ^Z after the table */
  read_ok(ctx, tu_write("f19.ies", "IES:LM-63-2019\r[TEST] x\r[FILEGENINFO] y\rTILT= NONE \r1 -1 1 3 1 1 2 0 0 0\r"
                                   "1 1.10000 10\r0 45 90\r0\r100 80 0\r\x1a"), &r);
  assert_string_equal(r.version, "LM-63-2019");
  assert_true(isnan(r.lamp_lumens));
  assert_rel(r.cd[0], 100, 1e-15);
  sm__ies_free(&r);
  /* LM-63-2002 with a byte-order mark, lower-case tilt, numbers split across lines anywhere, trailing numbers */
  read_ok(ctx, tu_write("f02.ies", "\xEF\xBB\xBFIESNA:LM-63-2002\n[TEST] x\ntilt=none\n1 1000\n1 3 1 1\n2 0 0 0 1 1 10 0\n"
                                   "45 90 0 100 80 0 7 7 7\n"), &r);
  assert_string_equal(r.version, "LM-63-2002");
  assert_rel(r.cd[2], 0, 1e-15);
  sm__ies_free(&r);
  /* an upward-only file: vertical angles from 90; no light below the horizontal */
  read_ok(ctx, tu_write("up.ies", "IESNA:LM-63-2002\nTILT=NONE\n1 -1 1 3 1 1 2 0 0 0\n1 1 10\n90 135 180\n0\n0 50 100\n"), &r);
  assert_true(sm__ies_intensity(&r, 45, 0) == 0);
  assert_rel(sm__ies_intensity(&r, 160, 0), 50 + 50 * 25 / 45.0, 1e-12);
  assert_true(r.downward_flux == 0 && r.flux > 0);
  sm__ies_free(&r);
  sm_ctx_destroy(ctx);
}

/* Reads text as an IES file, expecting `status` and a message holding "FILE: line N: " and `part`. */
static void refused(sm_ctx *ctx, const char *name, const char *text, sm_status status, int line, const char *part) {
  const char *path = tu_write(name, text);
  sm__ies r;
  sm_status st = sm__ies_read(ctx, path, &r);
  if (st != status) fail_msg("%s: %s, not %s (%s)", name, sm_status_str(st), sm_status_str(status), sm_ctx_last_error(ctx));
  char where[600];
  if (line > 0) snprintf(where, sizeof where, "%s: line %d: ", path, line);
  else snprintf(where, sizeof where, "%s: ", path);
  assert_contains(sm_ctx_last_error(ctx), where);
  assert_contains(sm_ctx_last_error(ctx), part);
  assert_null(r.cd);
  sm__ies_free(&r);
}

#define HEAD "IESNA:LM-63-2002\n[TEST] x\nTILT=NONE\n"

static void not_ies_refused(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  refused(ctx, "lamps.csv", "id,easting,northing,watts\n1,527000,183000,70\n", SM_E_INPUT, 1,
          "not an IES LM-63 photometric file: no TILT= line (it starts 'id,easting,northing,watts')");
  refused(ctx, "empty.ies", "", SM_E_INPUT, 1, "the file is empty (0 bytes): not an IES LM-63 photometric file");
  refused(ctx, "blank.ies", "\n\n", SM_E_INPUT, 1, "not an IES LM-63 photometric file: no TILT= line (it starts '')");
  const char *bin = tu_path("image.ies"); /* a PNG's first bytes */
  FILE *f = fopen(bin, "wb");
  fwrite("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 1, 16, f);
  fclose(f);
  sm__ies r;
  assert_int_equal(sm__ies_read(ctx, bin, &r), SM_E_INPUT);
  assert_contains(sm_ctx_last_error(ctx), "image.ies: not an IES LM-63 photometric file: binary data (a NUL byte at byte 9)");
  refused(ctx, "notilt.ies", "IESNA:LM-63-2002\n[TEST] x\n[LUMCAT] y\n", SM_E_INPUT, 3, "without its TILT= line");
  assert_int_equal(sm__ies_read(ctx, tu_path("missing.ies"), &r), SM_E_IO);
  assert_contains(sm_ctx_last_error(ctx), "cannot open");
  assert_int_equal(sm__ies_read(ctx, NULL, &r), SM_E_INVALID_ARG);
  sm_ctx_destroy(ctx);
}

static void tilt_refused(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  refused(ctx, "tiltinc.ies", "IESNA:LM-63-2002\n[TEST] x\nTILT=INCLUDE\n1\n3\n0 90 180\n1 1 1\n", SM_E_INPUT, 3,
          "TILT=INCLUDE: TILT=INCLUDE/file not supported");
  refused(ctx, "tiltfile.ies", "IESNA:LM-63-1995\nTILT=lamp.tlt\n", SM_E_INPUT, 2,
          "TILT=lamp.tlt: TILT=INCLUDE/file not supported");
  sm_ctx_destroy(ctx);
}

static void truncated_refused(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  refused(ctx, "trunc.ies", HEAD "1 -1 1 3 2 1 2 0 0 0\n1 1 10\n0 45 90\n0 90\n100 80 0\n100 80\n", SM_E_INPUT, 9,
          "the file ends before candela value 3 of 3 at horizontal angle 90: 23 of the 24 numbers after TILT=NONE "
          "(truncated)");
  refused(ctx, "trunc2.ies", HEAD "1 -1 1 3\n\n", SM_E_INPUT, 4, "the file ends before the number of horizontal angles, after 4 numbers (truncated)");
  /* a header promising more than the file can hold: refused before anything is allocated */
  refused(ctx, "trunc3.ies", HEAD "1 -1 1 181 361 1 2 0 0 0\n1 1 10\n0 1 2\n", SM_E_INPUT, 6,
          "the file ends before the table of 181 vertical × 361 horizontal angles that line 4 promises");
  refused(ctx, "nan.ies", HEAD "1 -1 1 3 1 1 2 0 0 0\n1 1 10\n0 45 9O\n0\n1 1 1\n", SM_E_INPUT, 6,
          "'9O' is not a number (vertical angle 3 of 3)");
  refused(ctx, "count.ies", HEAD "1 -1 1 2.5 1 1 2 0 0 0\n1 1 10\n0 45 90\n0\n1 1 1\n", SM_E_INPUT, 4,
          "the number of vertical angles is 2.5, not a whole number of at least 2");
  sm_ctx_destroy(ctx);
}

static void negative_candela_refused(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  refused(ctx, "neg.ies", HEAD "1 -1 1 3 2 1 2 0 0 0\n1 1 10\n0 45 90\n0 90\n100 80 0\n100\n-3 0\n", SM_E_INPUT, 10,
          "negative candela -3 at horizontal angle 90, vertical angle 45");
  sm_ctx_destroy(ctx);
}

static void angles_not_increasing_refused(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  refused(ctx, "vdec.ies", HEAD "1 -1 1 4 1 1 2 0 0 0\n1 1 10\n0 45\n45 90\n0\n1 1 1 1\n", SM_E_INPUT, 7,
          "the vertical angles are not increasing: 45 after 45 (angles 2 and 3)");
  refused(ctx, "hdec.ies", HEAD "1 -1 1 3 3 1 2 0 0 0\n1 1 10\n0 45 90\n0 90 45\n1 1 1 1 1 1 1 1 1\n", SM_E_INPUT, 7,
          "the horizontal angles are not increasing: 45 after 90 (angles 2 and 3)");
  refused(ctx, "vrange.ies", HEAD "1 -1 1 3 1 1 2 0 0 0\n1 1 10\n0 90 190\n0\n1 1 1\n", SM_E_INPUT, 6,
          "vertical angle 3 is 190, outside 0-180");
  sm_ctx_destroy(ctx);
}

static void types_b_a_refused(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  refused(ctx, "typeb.ies", HEAD "1 -1 1 3 1 2 2 0 0 0\n1 1 10\n-90 0 90\n0\n1 1 1\n", SM_E_INPUT, 4,
          "photometric type 2 (type B) is not supported: only type C photometry (1)");
  refused(ctx, "typea.ies", HEAD "1 -1 1 3 1 3 2 0 0 0\n1 1 10\n-90 0 90\n0\n1 1 1\n", SM_E_INPUT, 4,
          "photometric type 3 (type A) is not supported");
  refused(ctx, "type4.ies", HEAD "1 -1 1 3 1 4 2 0 0 0\n1 1 10\n0 45 90\n0\n1 1 1\n", SM_E_INPUT, 4,
          "photometric type 4 is not 1 (C), 2 (B) or 3 (A)");
  refused(ctx, "units.ies", HEAD "1 -1 1 3 1 1 3 0 0 0\n1 1 10\n0 45 90\n0\n1 1 1\n", SM_E_INPUT, 4,
          "units type 3 is not 1 (feet) or 2 (metres)");
  refused(ctx, "lumens.ies", HEAD "1 0 1 3 1 1 2 0 0 0\n1 1 10\n0 45 90\n0\n1 1 1\n", SM_E_INPUT, 4,
          "the lumens per lamp must be positive, or -1 for absolute photometry");
  refused(ctx, "ballast.ies", HEAD "1 -1 1 3 1 1 2 0 0 0\n0 1 10\n0 45 90\n0\n1 1 1\n", SM_E_INPUT, 5,
          "the ballast factor 0 is not positive");
  sm_ctx_destroy(ctx);
}

static void vertical_start_refused(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  refused(ctx, "vstart.ies", HEAD "1 -1 1 3 1 1 2 0 0 0\n1 1 10\n5 45 90\n0\n1 1 1\n", SM_E_INPUT, 6,
          "the vertical angles start at 5, not at 0 or 90 as type C photometry's do");
  sm_ctx_destroy(ctx);
}

static void horizontal_form_refused(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  refused(ctx, "h120.ies", HEAD "1 -1 1 2 3 1 2 0 0 0\n1 1 10\n0 90\n0 60\n120\n1 1 1 1 1 1\n", SM_E_INPUT, 8,
          "horizontal angles from 0 to 120 are not one of LM-63's symmetry forms");
  refused(ctx, "h10.ies", HEAD "1 -1 1 2 2 1 2 0 0 0\n1 1 10\n0 90\n10 100\n1 1 1 1\n", SM_E_INPUT, 7,
          "horizontal angles from 10 to 100 are not one of");
  /* 0..270: not a whole circle (the step back to 0 would be 90, more than the file's steps) */
  refused(ctx, "h270.ies", HEAD "1 -1 1 2 4 1 2 0 0 0\n1 1 10\n0 90\n0 90 180 270\n1 1 1 1 1 1 1 1\n", SM_E_INPUT, 7,
          "from 0 to 270 are not one of");
  sm_ctx_destroy(ctx);
}

/* Each allocation of reading and profiling fails in turn: out of memory, nothing left allocated. */
static void out_of_memory(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  int done = 0;
  for (long k = 1; k < 100 && !done; k++) {
    sm__ies r;
    double *p = NULL;
    size_t n = 0;
    sm__alloc_fail_after(k);
    sm_status st = sm__ies_read(ctx, IES_DIR "rab_prt70.ies", &r);
    if (st == SM_OK) st = sm__ies_mean_profile(ctx, &r, &p, &n);
    sm__alloc_fail_after(0);
    if (st == SM_OK) done = 1;
    else assert_int_equal(st, SM_E_NOMEM);
    sm__free(p);
    sm__ies_free(&r);
  }
  assert_true(done);
  sm_ctx_destroy(ctx);
}

/* Reading and evaluating twice gives the same bits. */
static void deterministic(void **state) {
  (void)state;
  sm_ctx *ctx = new_ctx();
  const char *files[] = {IES_DIR "cosine.ies", IES_DIR "quadrant.ies", IES_DIR "rab_prt70.ies"};
  for (size_t f = 0; f < 3; f++) {
    sm__ies a, b;
    read_ok(ctx, files[f], &a);
    read_ok(ctx, files[f], &b);
    assert_int_equal(a.n_v * a.n_h, b.n_v * b.n_h);
    assert_memory_equal(a.cd, b.cd, a.n_v * a.n_h * sizeof *a.cd);
    assert_memory_equal(&a.flux, &b.flux, sizeof a.flux);
    double *pa = NULL, *pb = NULL;
    size_t na = 0, nb = 0;
    assert_ok(ctx, sm__ies_mean_profile(ctx, &a, &pa, &na));
    assert_ok(ctx, sm__ies_mean_profile(ctx, &b, &pb, &nb));
    assert_memory_equal(pa, pb, na * sizeof *pa);
    sm__free(pa), sm__free(pb);
    sm__ies_free(&a), sm__ies_free(&b);
  }
  sm_ctx_destroy(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(cosine_is_the_point_source), cmocka_unit_test(symmetry_forms_agree),
      cmocka_unit_test(real_file),                  cmocka_unit_test(formats_read),
      cmocka_unit_test(not_ies_refused),            cmocka_unit_test(tilt_refused),
      cmocka_unit_test(truncated_refused),          cmocka_unit_test(negative_candela_refused),
      cmocka_unit_test(angles_not_increasing_refused), cmocka_unit_test(types_b_a_refused),
      cmocka_unit_test(vertical_start_refused),     cmocka_unit_test(horizontal_form_refused),
      cmocka_unit_test(out_of_memory),              cmocka_unit_test(deterministic),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
