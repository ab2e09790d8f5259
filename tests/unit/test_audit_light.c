/* The safety audit's lighting model and its words: the point-source illuminance against its closed form and
 * its plane integral, EN 13201-2 classes, lamp types, switching regimes and times of night. */
#include "testutil.h"

#include <math.h>

/* E = I0 cos²γ / d², written from the photometric definition (not from the library's h² / d⁴ form). */
static double by_hand(double flux, double mf, double h, double r) {
  double i0 = flux * mf / M_PI, d = sqrt(h * h + r * r), cosg = h / d;
  return i0 * cosg * cosg / (d * d);
}

static void closed_form(void **state) {
  (void)state;
  const double r[] = {0, 1, 3, 6, 10, 25, 59.9};
  for (size_t k = 0; k < sizeof r / sizeof r[0]; k++) {
    double e = sm_light_illuminance(8000, 0.8, 6, r[k], 60), x = by_hand(8000, 0.8, 6, r[k]);
    assert_true(fabs(e - x) <= 1e-12 * x);
  }
  /* worked numbers: I0 = 6400 / pi = 2037.18 cd; under the lamp 2037.18 / 36 = 56.588 lx; at 8 m, d = 10,
   * cos = 0.6: 2037.18 * 0.36 / 100 = 7.3339 lx */
  assert_true(fabs(sm_light_illuminance(8000, 0.8, 6, 0, 60) - 6400 / M_PI / 36) < 1e-12);
  assert_true(fabs(sm_light_illuminance(8000, 0.8, 6, 8, 60) - 6400 / M_PI * 0.36 / 100) < 1e-12);
  assert_true(sm_light_illuminance(8000, 0.8, 6, 60, 60) == 0); /* reach is exclusive */
  assert_true(sm_light_illuminance(8000, 0.8, 0, 1, 60) == 0);
}

/* ∫ E(r) 2πr dr by composite Simpson on geometric pieces [0, h/64], [h/64, h/32], ...: */
static double plane_integral(double flux, double mf, double h, double reach) {
  double sum = 0, a = 0, b = h / 64;
  while (a < reach) {
    if (b > reach) b = reach;
    int n = 2000;
    double step = (b - a) / n, s = 0;
    for (int i = 0; i <= n; i++) {
      double r = a + i * step, w = i == 0 || i == n ? 1 : i % 2 ? 4 : 2;
      s += w * sm_light_illuminance(flux, mf, h, r, INFINITY) * 2 * M_PI * r;
    }
    sum += s * step / 3;
    a = b, b *= 2;
  }
  return sum;
}

static void integral_is_flux(void **state) {
  (void)state;
  const double h[] = {4, 6, 10};
  for (size_t k = 0; k < 3; k++) {
    /* to R: flux × MF × R² / (h² + R²); far enough, the whole flux × MF to 1e-6 */
    double R = 1e5, want = 6000 * 0.8 * R * R / (h[k] * h[k] + R * R);
    double got = plane_integral(6000, 0.8, h[k], R);
    assert_true(fabs(got - want) <= 1e-9 * want);
    assert_true(fabs(got - 6000 * 0.8) <= 1e-6 * 6000 * 0.8);
    double r10 = plane_integral(6000, 0.8, h[k], 10 * h[k]); /* the default reach holds 100/101 of it */
    assert_true(fabs(r10 - 4800 * 100.0 / 101.0) <= 1e-9 * 4800);
  }
}

static void classes(void **state) {
  (void)state;
  const double avg[] = {15, 10, 7.5, 5, 3, 2}, min[] = {3, 2, 1.5, 1, 0.6, 0.4};
  for (int c = 1; c <= 6; c++) {
    double a, m;
    sm_light_class_lux((sm_light_class)c, &a, &m);
    assert_true(a == avg[c - 1] && m == min[c - 1]);
    char name[4];
    snprintf(name, sizeof name, "p%d", c);
    sm_light_class got;
    assert_int_equal(sm_light_class_from_name(NULL, name, &got), SM_OK);
    assert_int_equal(got, c);
  }
  sm_ctx *ctx;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  sm_light_class got;
  assert_int_equal(sm_light_class_from_name(ctx, "P7", &got), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "'P7' is not an EN 13201-2 P class"));
  sm_ctx_destroy(ctx);
}

static void lamp_types(void **state) {
  (void)state;
  struct { const char *text; sm_lamp_type t; } ok[] = {
      {"LED", SM_LAMP_LED}, {"led 4000K", SM_LAMP_LED}, {"SON-T", SM_LAMP_HPS}, {"HPS 70W", SM_LAMP_HPS},
      {"High Pressure Sodium", SM_LAMP_HPS}, {"SOX", SM_LAMP_LPS}, {"low pressure sodium", SM_LAMP_LPS},
      {"CDM-TT", SM_LAMP_MH}, {"CosmoPolis", SM_LAMP_MH}, {"metal halide", SM_LAMP_MH},
      {"PL-L 36W", SM_LAMP_FLUORESCENT}, {"CFL", SM_LAMP_FLUORESCENT}, {"MBF", SM_LAMP_MERCURY}};
  for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++) {
    sm_lamp_type t = SM_LAMP_TYPE_END_;
    assert_int_equal(sm_lamp_type_parse(ok[k].text, &t), 1);
    assert_int_equal(t, ok[k].t);
  }
  sm_lamp_type t = SM_LAMP_LED;
  assert_int_equal(sm_lamp_type_parse("plasma", &t), 0);
  assert_int_equal(sm_lamp_type_parse("", &t), 0);
  assert_int_equal(t, SM_LAMP_LED);
  assert_true(sm_lamp_type_efficacy(SM_LAMP_HPS) == 90 && sm_lamp_type_efficacy(SM_LAMP_LED) == 100);
  assert_string_equal(sm_lamp_type_name(SM_LAMP_LPS), "LPS");
}

static void regimes(void **state) {
  (void)state;
  const char *all[] = {"35/18", "70/35", "55/28", "Dusk-Dawn", "dusk to dawn", "All Night", "", " ", NULL};
  for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
    sm_light_regime r;
    assert_int_equal(sm_light_regime_parse(all[k], &r), 1);
    assert_int_equal(r.all_night, 1);
    for (int m = 0; m < 1440; m += 30) assert_int_equal(sm_light_regime_on(&r, m), 1);
  }
  struct { const char *text; int from, to; } pn[] = {{"00:00-05:30", 0, 330}, {"0000-0530", 0, 330},
                                                     {"part night 00:30-05:30", 30, 330}, {"midnight-05:30", 0, 330},
                                                     {"23:00 - 06:00", 1380, 360}, {"PN 1:00-5:00", 60, 300}};
  for (size_t k = 0; k < sizeof pn / sizeof pn[0]; k++) {
    sm_light_regime r;
    assert_int_equal(sm_light_regime_parse(pn[k].text, &r), 1);
    assert_int_equal(r.all_night, 0);
    assert_int_equal(r.off_from, pn[k].from);
    assert_int_equal(r.off_to, pn[k].to);
  }
  sm_light_regime r;
  assert_int_equal(sm_light_regime_parse("00:00-05:30", &r), 1);
  assert_int_equal(sm_light_regime_on(&r, 23 * 60 + 59), 1);
  assert_int_equal(sm_light_regime_on(&r, 0), 0);
  assert_int_equal(sm_light_regime_on(&r, 329), 0);
  assert_int_equal(sm_light_regime_on(&r, 330), 1);
  assert_int_equal(sm_light_regime_on(&r, -1), 1); /* no hour: on */
  assert_int_equal(sm_light_regime_parse("23:00-06:00", &r), 1); /* across midnight */
  assert_int_equal(sm_light_regime_on(&r, 22 * 60 + 59), 1);
  assert_int_equal(sm_light_regime_on(&r, 23 * 60), 0);
  assert_int_equal(sm_light_regime_on(&r, 3 * 60), 0);
  assert_int_equal(sm_light_regime_on(&r, 6 * 60), 1);
  const char *bad[] = {"sometimes", "25:00-05:00", "00:00-00:00", "00:61-05:00", "part night", "35/", "12345-0530"};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) assert_int_equal(sm_light_regime_parse(bad[k], &r), 0);
}

static void hours(void **state) {
  (void)state;
  int m = -5;
  assert_int_equal(sm_audit_hour_parse(NULL, "01:00", &m), SM_OK);
  assert_int_equal(m, 60);
  assert_int_equal(sm_audit_hour_parse(NULL, "23:59", &m), SM_OK);
  assert_int_equal(m, 1439);
  assert_int_equal(sm_audit_hour_parse(NULL, "24:00", &m), SM_OK);
  assert_int_equal(m, 0);
  sm_ctx *ctx;
  assert_int_equal(sm_ctx_create(&ctx), SM_OK);
  const char *bad[] = {"25:00", "1", "0100", "01:60", "1:00pm", ""};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    assert_int_equal(sm_audit_hour_parse(ctx, bad[k], &m), SM_E_INVALID_ARG);
    assert_non_null(strstr(sm_ctx_last_error(ctx), "is not a time of day"));
  }
  sm_ctx_destroy(ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(closed_form), cmocka_unit_test(integral_is_flux), cmocka_unit_test(classes),
      cmocka_unit_test(lamp_types),  cmocka_unit_test(regimes),          cmocka_unit_test(hours),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
