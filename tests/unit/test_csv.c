/* internal/csv: the streaming CSV reader */
#include "testutil.h"

#include "internal/csv.h"
#include "internal/sm_internal.h"

static void field_is(const sm_csv *c, size_t i, const char *want) {
  assert_true(i < c->nf);
  if (c->fl[i] != strlen(want) || memcmp(c->fs[i], want, c->fl[i]) != 0)
    fail_msg("field %zu is '%.*s', want '%s'", i, (int)c->fl[i], c->fs[i], want);
}

static void basic_quoting(void **state) {
  (void)state;
  const char *in = "\xEF\xBB\xBF"
                   "a,b,c\r\n"
                   "1,\"x, y\",3\r\n"
                   "\"he said \"\"hi\"\"\",,\n"
                   "\"multi\nline\",2,\n"
                   "last,row,no-newline";
  sm_csv c;
  assert_int_equal(sm__csv_open_mem(&c, in, strlen(in)), 0);
  assert_int_equal(sm__csv_next(&c), SM_CSV_RECORD);
  assert_int_equal(c.nf, 3);
  field_is(&c, 0, "a"); /* BOM skipped */
  assert_int_equal(c.line, 1);
  assert_int_equal(sm__csv_next(&c), SM_CSV_RECORD);
  field_is(&c, 1, "x, y");
  field_is(&c, 2, "3"); /* CR stripped */
  assert_int_equal(c.line, 2);
  assert_int_equal(sm__csv_next(&c), SM_CSV_RECORD);
  assert_int_equal(c.nf, 3);
  field_is(&c, 0, "he said \"hi\"");
  field_is(&c, 1, "");
  field_is(&c, 2, "");
  assert_int_equal(sm__csv_next(&c), SM_CSV_RECORD);
  field_is(&c, 0, "multi\nline");
  assert_int_equal(c.line, 4);
  assert_int_equal(sm__csv_next(&c), SM_CSV_RECORD);
  assert_int_equal(c.line, 6); /* the quoted newline moved the count on */
  field_is(&c, 2, "no-newline");
  assert_int_equal(sm__csv_next(&c), SM_CSV_EOF);
  sm__csv_close(&c);
}

static void unterminated_quote(void **state) {
  (void)state;
  const char *in = "a,b\n\"open,1\n";
  sm_csv c;
  assert_int_equal(sm__csv_open_mem(&c, in, strlen(in)), 0);
  assert_int_equal(sm__csv_next(&c), SM_CSV_RECORD);
  assert_int_equal(sm__csv_next(&c), SM_CSV_EQUOTE);
  sm__csv_close(&c);
}

static void empty_input(void **state) {
  (void)state;
  sm_csv c;
  assert_int_equal(sm__csv_open_mem(&c, "", 0), 0);
  assert_int_equal(sm__csv_next(&c), SM_CSV_EOF);
  sm__csv_close(&c);
}

/* A file bigger than the reader's buffer, with a record longer than it. */
static void streaming_refill(void **state) {
  (void)state;
  const char *p = tu_path("big.csv");
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  fputs("id,text\n", f);
  const int rows = 200000;
  for (int i = 0; i < rows; i++) fprintf(f, "%d,\"row %d, quoted\"\n", i, i);
  fputs("long,\"", f);
  for (int i = 0; i < (5 << 20); i++) fputc('x', f);
  fputs("\"\n", f);
  fclose(f);
  f = fopen(p, "rb");
  sm_csv c;
  assert_int_equal(sm__csv_open_file(&c, f), 0);
  assert_int_equal(sm__csv_next(&c), SM_CSV_RECORD);
  for (int i = 0; i < rows; i++) {
    assert_int_equal(sm__csv_next(&c), SM_CSV_RECORD);
    char want[64];
    snprintf(want, sizeof want, "row %d, quoted", i);
    field_is(&c, 1, want);
    assert_int_equal(c.line, (uint64_t)i + 2);
  }
  assert_int_equal(sm__csv_next(&c), SM_CSV_RECORD);
  assert_int_equal(c.fl[1], (size_t)(5 << 20));
  assert_int_equal(sm__csv_next(&c), SM_CSV_EOF);
  sm__csv_close(&c);
  fclose(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(basic_quoting), cmocka_unit_test(unterminated_quote), cmocka_unit_test(empty_input),
      cmocka_unit_test(streaming_refill),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
