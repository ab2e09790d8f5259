/* near_repeat: a Knox near-repeat table through the safemap C API.
 *
 *   near_repeat POINTS
 *
 * Reads police.uk CSVs (month-only dates, so time bands in months), counts
 * the pairs of incidents by distance band (same location, 0-100, 100-200,
 * 200-400 m, beyond) and month band (0-1, 1-2, beyond), shuffles the months
 * over the incidents 99 times (seeded), and prints each cell's observed
 * pairs, Knox ratio and p. */
#include <safemap.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: near_repeat POINTS\n");
    return 2;
  }
  sm_ctx *ctx;
  if (sm_ctx_create(&ctx) != SM_OK) return 2;
  sm_ctx_set_seed(ctx, 1);
  sm_points *points = NULL;
  sm_knox *k = NULL;
  const char *sources[] = {argv[1]};
  sm_status st = sm_points_read(ctx, &points, sources, 1, NULL);
  size_t n = points ? sm_points_count(points) : 0;
  double *months = malloc((n ? n : 1) * sizeof *months);
  if (!st && !months) st = SM_E_NOMEM;
  for (size_t i = 0; !st && i < n; i++) months[i] = sm_time_month_index(sm_points_time(points)[i]);
  const double space[] = {0, 100, 200, 400}, time[] = {0, 1, 2};
  sm_knox_options o = SM_KNOX_OPTIONS_INIT;
  o.space_breaks = space, o.n_space = 4, o.time_breaks = time, o.n_time = 3, o.permutations = 99;
  if (!st) st = sm_knox_test(ctx, n, sm_points_x(points), sm_points_y(points), months, &o, &k);
  if (st) {
    fprintf(stderr, "near_repeat: %s: %s\n", sm_status_str(st), sm_ctx_last_error(ctx));
  } else {
    static const char *const rows[] = {"same location", "0-100 m", "100-200 m", "200-400 m", "beyond 400 m"};
    static const char *const cols[] = {"0-1 months", "1-2 months", "beyond 2"};
    printf("%zu incidents, %zu pairs\n", n, k->pairs);
    for (size_t r = 0; r < k->rows; r++)
      for (size_t c = 0; c < k->cols; c++) {
        size_t q = r * k->cols + c;
        printf("%-14s %-11s %10.0f pairs  Knox ratio %.2f  p %.2f\n", rows[r], cols[c], k->observed[q], k->ratio_mean[q], k->p[q]);
      }
  }
  free(months);
  sm_knox_destroy(k);
  sm_points_destroy(points);
  sm_ctx_destroy(ctx);
  return st ? 1 : 0;
}
