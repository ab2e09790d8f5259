#!/usr/bin/env bash
# A CRS that does not exist: exit 1, the message names the CRS as given,
# nothing is written. Covers --analysis-crs, --crs (for --x/--y and --lon/--lat
# columns) and --wards-crs. 'foo' is not a CRS: it must not be matched to any
# CRS whose name merely contains it (PROJ's name search finds 'Amersfoort').
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
printf 'id,E,N,month\n1,528000,185000,2022-03\n2,527000,184500,2022-03\n' >"$WORKDIR/xy.csv"
printf 'id,lon,lat,month\n1,-0.15,51.55,2022-03\n' >"$WORKDIR/ll.csv"

expect_unknown_crs() { # CMD-NAME CRS ARGS...
  local cmd="$1" crs="$2"; shift 2
  assert_exit 1 "$SAFEMAP" "$cmd" "$@"
  assert_error_line "$cmd" "$crs"
  assert_dir_empty "$out"
  clean_dir "$out"
}

expect_unknown_crs count "EPSG:999999" "$POINTS" --wards "$WARDS" -o "$out/out.gpkg" --analysis-crs EPSG:999999
expect_unknown_crs info  "EPSG:999999" "$POINTS" --analysis-crs EPSG:999999
expect_unknown_crs count "foo" "$POINTS" --wards "$WARDS" -o "$out/out.gpkg" --analysis-crs foo

expect_unknown_crs count "EPSG:999999" "$WORKDIR/xy.csv" --x E --y N --crs EPSG:999999 --wards "$WARDS" -o "$out/out.gpkg"
expect_unknown_crs count "foo" "$WORKDIR/xy.csv" --x E --y N --crs foo --wards "$WARDS" -o "$out/out.gpkg"
expect_unknown_crs info  "foo" "$WORKDIR/xy.csv" --x E --y N --crs foo
expect_unknown_crs count "foo" "$WORKDIR/ll.csv" --lon lon --lat lat --crs foo --wards "$WARDS" -o "$out/out.csv"
expect_unknown_crs count "not-a-crs" "$WORKDIR/xy.csv" --x E --y N --crs not-a-crs --wards "$WARDS" -o "$out/out.gpkg"

expect_unknown_crs count "EPSG:999999" "$POINTS" --wards "$WARDS" --wards-crs EPSG:999999 -o "$out/out.gpkg"
expect_unknown_crs count "foo" "$POINTS" --wards "$WARDS" --wards-crs foo -o "$out/out.gpkg"

# A real CRS that is not in metres is refused as the analysis CRS, by name.
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/out.gpkg" --analysis-crs EPSG:4326
assert_error_line count "EPSG:4326"
assert_dir_empty "$out"
clean_dir "$out"

# Control: the same --x/--y file with a real CRS works and puts both points in Camden.
assert_exit 0 "$SAFEMAP" count "$WORKDIR/xy.csv" --x E --y N --crs EPSG:27700 --time month --wards "$WARDS" -o "$out/ok.csv"
assert_stderr_contains "2 rows read, 2 points kept, 2 in 20 areas, 0 outside every area"

finish
