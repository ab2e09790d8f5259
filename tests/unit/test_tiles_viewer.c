/* tiles_viewer: the offline page of a tile directory (files written, the manifest and the tiles present as a
 * script, value tiles as scripts) and bad input. The page in a browser: tests/viewer/test_viewer.sh. */
#include "testutil.h"

#include "internal/sm_internal.h"
#include "internal/tiles.h"

TU_CTX_FIXTURE

static char *slurp(const char *p) {
  FILE *f = fopen(p, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
  s[n] = '\0';
  fclose(f);
  return s;
}

static void put(const char *dir, const char *rel, const char *content) {
  char p[700], cmd[800];
  snprintf(p, sizeof p, "%s/%s", dir, rel);
  snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", p);
  assert_int_equal(system(cmd), 0);
  FILE *f = fopen(p, "wb");
  assert_non_null(f);
  fputs(content, f);
  fclose(f);
}

static void no_manifest(void **state) {
  (void)state;
  const char *dir = tu_path("empty");
  mkdir(dir, 0755);
  assert_int_equal(sm_tiles_viewer(ctx, dir, NULL), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "holds no tiles made by safemap"));
  char p[600];
  snprintf(p, sizeof p, "%s/index.html", dir);
  assert_false(tu_exists(p));
  /* a directory that does not exist */
  assert_int_equal(sm_tiles_viewer(ctx, tu_path("nowhere"), NULL), SM_E_INPUT);
  /* a manifest with no tile set */
  put(dir, "safemap_map.json", "{\"safemap_map\": 1, \"tilesets\": [\n]}\n");
  assert_int_equal(sm_tiles_viewer(ctx, dir, NULL), SM_E_INPUT);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "lists no tile set"));
  assert_false(tu_exists(p));
}

static void bad_options(void **state) {
  (void)state;
  sm_viewer_options o = SM_VIEWER_OPTIONS_INIT;
  o.version = 99;
  assert_int_equal(sm_tiles_viewer(ctx, tu_dir(), &o), SM_E_INVALID_ARG);
  o.version = SM_VIEWER_OPTIONS_VERSION;
  o.basemap = "https://example.org/tiles.png";
  assert_int_equal(sm_tiles_viewer(ctx, tu_dir(), &o), SM_E_INVALID_ARG);
  assert_non_null(strstr(sm_ctx_last_error(ctx), "{z}, {x} and {y}"));
  assert_int_equal(sm_tiles_viewer(ctx, NULL, NULL), SM_E_INVALID_ARG);
}

static void writes_the_page(void **state) {
  (void)state;
  const char *dir = tu_path("map");
  mkdir(dir, 0755);
  assert_ok(ctx, sm__tiles_manifest_add(ctx, dir, "kde",
                                        "{\"name\": \"kde\", \"kind\": \"raster\", \"tiles\": \"kde/{z}/{x}/{y}.png\", "
                                        "\"values\": \"kde_values/{z}/{x}/{y}.png\", \"minzoom\": 3, \"maxzoom\": 4}"));
  /* tiles: z 3 rows 2, 3, 4 of column 4 and row 1 of column 5; z 4 one tile; values: one tile */
  put(dir, "kde/3/4/2.png", "a");
  put(dir, "kde/3/4/3.png", "b");
  put(dir, "kde/3/4/4.png", "c");
  put(dir, "kde/3/5/1.png", "d");
  put(dir, "kde/4/10/9.png", "e");
  put(dir, "kde/4/10/notes.txt", "not a tile");
  put(dir, "kde_values/4/10/9.png", "hello");
  put(dir, "kde_values/3/5/4.png", "lower zoom");
  sm_viewer_options o = SM_VIEWER_OPTIONS_INIT;
  o.title = "Camden <burglary> & theft";
  o.basemap = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
  assert_ok(ctx, sm_tiles_viewer(ctx, dir, &o));
  const char *files[] = {"index.html", "safemap_map.js", "safemap_viewer/leaflet.js", "safemap_viewer/leaflet.css",
                         "safemap_viewer/viewer.js", "safemap_viewer/viewer.css", "safemap_viewer/LICENSE-leaflet.txt",
                         "safemap_viewer/images/layers.png", "kde_values/4/10/9.js"};
  char p[700];
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, files[i]);
    if (!tu_exists(p)) fail_msg("%s was not written", files[i]);
  }
  snprintf(p, sizeof p, "%s/index.html", dir);
  char *html = slurp(p);
  assert_non_null(strstr(html, "<title>Camden &lt;burglary&gt; &amp; theft</title>"));
  assert_null(strstr(html, "@TITLE@"));
  assert_non_null(strstr(html, "src=\"safemap_map.js\""));
  free(html);
  snprintf(p, sizeof p, "%s/safemap_map.js", dir);
  char *js = slurp(p);
  assert_non_null(strstr(js, "window.SAFEMAP_MAP = {\"safemap_map\": 1, \"tilesets\": [\n{\"name\": \"kde\""));
  assert_non_null(strstr(js, "\"kde\": {\"3\": {\"4\": [2, 4], \"5\": [1, 1]}, \"4\": {\"10\": [9, 9]}}"));
  assert_non_null(strstr(js, "\"kde_values\": {\"3\": {\"5\": [4, 4]}, \"4\": {\"10\": [9, 9]}}"));
  assert_non_null(strstr(js, "\"title\": \"Camden <burglary> & theft\""));
  assert_non_null(strstr(js, "OpenStreetMap</a> contributors"));
  free(js);
  snprintf(p, sizeof p, "%s/kde_values/4/10/9.js", dir);
  char *v = slurp(p);
  assert_string_equal(v, "SAFEMAP_VALUE_TILE(\"kde_values/4/10/9\", \"aGVsbG8=\");\n");
  free(v);
  /* the page reads values at the highest zoom only */
  snprintf(p, sizeof p, "%s/kde_values/3/5/4.js", dir);
  assert_false(tu_exists(p));
  /* again: the same files, nothing left over */
  assert_ok(ctx, sm_tiles_viewer(ctx, dir, NULL));
  char cmd[800];
  snprintf(cmd, sizeof cmd, "find '%s' -name '.safemap-*' | grep -c . ", dir);
  FILE *f = popen(cmd, "r");
  int left = -1;
  assert_int_equal(fscanf(f, "%d", &left), 1);
  pclose(f);
  assert_int_equal(left, 0);
}

/* The same files for 1 and 2 threads (the value tile scripts are written in parallel). */
static void same_bytes_any_threads(void **state) {
  (void)state;
  for (int k = 1; k <= 2; k++) {
    char dir[64], rel[64], body[32];
    snprintf(dir, sizeof dir, "threads%d", k);
    const char *d = tu_path(dir);
    mkdir(d, 0755);
    assert_ok(ctx, sm__tiles_manifest_add(ctx, d, "s", "{\"name\": \"s\", \"kind\": \"raster\", \"tiles\": \"s/{z}/{x}/{y}.png\"}"));
    for (int t = 0; t < 40; t++) {
      snprintf(rel, sizeof rel, "s_values/9/%d/%d.png", 100 + t % 7, 200 + t);
      snprintf(body, sizeof body, "tile %d", t);
      put(d, rel, body);
    }
    sm_ctx_set_threads(ctx, k);
    assert_ok(ctx, sm_tiles_viewer(ctx, d, NULL));
  }
  sm_ctx_set_threads(ctx, 1);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' > /dev/null", tu_path("threads1"), tu_path("threads2"));
  assert_int_equal(system(cmd), 0);
  snprintf(cmd, sizeof cmd, "ls '%s'/s_values/9/*/*.js | wc -l | grep -qx 40", tu_path("threads2"));
  assert_int_equal(system(cmd), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(no_manifest),
      cmocka_unit_test(bad_options),
      cmocka_unit_test(writes_the_page),
      cmocka_unit_test(same_bytes_any_threads),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
