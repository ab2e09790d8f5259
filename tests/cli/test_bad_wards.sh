#!/usr/bin/env bash
# Ward files that are wrong in ways GDAL does not notice: a ward without an
# id, two wards with one id, a ward without geometry, overlapping wards, a
# single ward for hotspots, files that cannot be opened; and category names
# that would clash as count columns. Each is refused (exit 1, a message naming
# the file, ward and field, nothing written) or reported (a warning on stderr
# and in the output's metadata).
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"

# wards_sql NAME SQL: a copy of the Camden wards made by SQL (SQLite dialect).
wards_sql() {
  ogr2ogr -f GPKG "$WORKDIR/$1" "$WARDS" -nln wards -dialect SQLite -sql "$2"
}
# wards_update NAME SQL: a copy of the Camden wards changed by SQL in place.
wards_update() {
  cp "$WARDS" "$WORKDIR/$1"
  ogrinfo -q "$WORKDIR/$1" -sql "$2" >/dev/null
}

# ---- a ward without an id: refused, naming the layer, feature, FID and field
wards_sql null_id.gpkg "SELECT CASE WHEN WD24NM = 'Frognal' THEN NULL ELSE WD24CD END AS WD24CD, WD24NM, geom FROM wards"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/null_id.gpkg" -o "$out/c.gpkg"
assert_error_line count "null_id.gpkg: layer 'wards', feature 6 (FID 6, Frognal) has no id: its field WD24CD is NULL"
assert_stderr_contains "--id-field"
assert_dir_empty "$out"
wards_sql empty_id.gpkg "SELECT CASE WHEN WD24NM = 'Frognal' THEN '' ELSE WD24CD END AS WD24CD, WD24NM, geom FROM wards"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/empty_id.gpkg" -o "$out/h.gpkg"
assert_error_line hotspots "its field WD24CD is empty"
assert_dir_empty "$out"

# ---- two wards with one id: refused (not merged, not counted twice)
wards_sql dup_id.gpkg "SELECT CASE WHEN WD24NM = 'Frognal' THEN 'E05013652' ELSE WD24CD END AS WD24CD, WD24NM, geom FROM wards"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/dup_id.gpkg" -o "$out/c.csv"
assert_error_line count "id 'E05013652' in field WD24CD is used by features 1 and 6"
assert_dir_empty "$out"

# ---- a ward without geometry: left out with a warning; --strict: refused
wards_update no_geom.gpkg "UPDATE wards SET geom = NULL WHERE WD24NM = 'Belsize'"
for cmd in count hotspots emerging; do
  assert_exit 0 "$SAFEMAP" "$cmd" "$POINTS" --wards "$WORKDIR/no_geom.gpkg" -o "$out/$cmd.gpkg"
  assert_stderr_contains "area WD24CD 'E05013652' (Belsize) (feature 1) has no geometry; it is left out of every output"
done
assert_eq "wards in the counts" 19 "$(sql_value "$out/count.gpkg" "SELECT COUNT(*) FROM ward_counts")"
assert_eq "Belsize in the counts" 0 "$(sql_value "$out/count.gpkg" "SELECT COUNT(*) FROM ward_counts WHERE area_id = 'E05013652'")"
case "$(sql_value "$out/count.gpkg" "SELECT value FROM safemap_metadata WHERE layer = 'ward_counts' AND key = 'warnings'")" in
  *"1 area without geometry left out (E05013652)"*) ;;
  *) fail "ward_counts' warnings metadata should name the ward left out" ;;
esac
clean_dir "$out"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/no_geom.gpkg" --strict -o "$out/c.gpkg"
assert_error_line count "(Belsize) (feature 1) has no geometry (--strict)"
assert_dir_empty "$out"
wards_update all_no_geom.gpkg "UPDATE wards SET geom = NULL"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/all_no_geom.gpkg" -o "$out/c.gpkg"
assert_error_line count "none of its 20 features has a geometry"
assert_dir_empty "$out"

# ---- overlapping wards: a warning naming the pairs and areas; --strict: refused
wards_sql overlap.gpkg "SELECT WD24CD, WD24NM, CASE WHEN WD24NM = 'Belsize' THEN ST_Buffer(geom, 200) ELSE geom END AS geom FROM wards"
assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/overlap.gpkg" -o "$out/c.gpkg"
assert_stderr_contains "7 pairs of areas overlap: 'E05013652' (Belsize) and 'E05013657' (Frognal) by "
assert_stderr_contains "counted once, in the first of them in the source's order"
case "$(sql_value "$out/c.gpkg" "SELECT value FROM safemap_metadata WHERE layer = 'ward_counts' AND key = 'warnings'")" in
  *"7 pairs of areas overlap"*) ;;
  *) fail "ward_counts' warnings metadata should name the overlaps" ;;
esac
clean_dir "$out"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/overlap.gpkg" --strict -o "$out/c.gpkg"
assert_error_line count "7 pairs of areas overlap"
assert_dir_empty "$out"
# the bundled wards do not overlap
assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/c.gpkg"
assert_stderr_not_contains "overlap"
clean_dir "$out"

# ---- one ward: hotspots and emerging refuse it, with no undefined behaviour
wards_sql one.gpkg "SELECT WD24CD, WD24NM, geom FROM wards WHERE WD24NM = 'Belsize'"
assert_exit 1 "$SAFEMAP" hotspots "$POINTS" --wards "$WORKDIR/one.gpkg" -o "$out/h.gpkg"
assert_error_line hotspots "hot-spot statistics need at least 3 wards, not 1: give --wards with more areas, or use --grid fishnet"
assert_exit 1 "$SAFEMAP" emerging "$POINTS" --wards "$WORKDIR/one.gpkg" -o "$out/e.gpkg"
assert_error_line emerging "at least 3 are needed"
assert_dir_empty "$out"

# ---- ward sources that cannot be opened: why
mkdir -p "$WORKDIR/folder"
: >"$WORKDIR/zero.gpkg"
echo "not a geopackage" >"$WORKDIR/text.gpkg"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/missing.gpkg" -o "$out/c.gpkg"
assert_error_line count "missing.gpkg': no such file or folder"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/folder" -o "$out/c.gpkg"
assert_error_line count "folder': it is a folder"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/zero.gpkg" -o "$out/c.gpkg"
assert_error_line count "zero.gpkg': the file is empty (0 bytes)"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/text.gpkg" -o "$out/c.gpkg"
assert_error_line count "text.gpkg': not a vector format GDAL can read"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" --wards-layer wrads -o "$out/c.gpkg"
assert_error_line count "no layer 'wrads' (given with --wards-layer); its layers: wards (Multi Polygon)"
assert_dir_empty "$out"

# ---- category names that are not column names
{
  head -n 1 "$POLICE_SAMPLE"
  i=0
  for cat in fid geom Total Burglary burglary 'Anti-social behaviour'; do
    i=$((i + 1))
    sed -n "$((i + 1))p" "$POLICE_SAMPLE" | awk -F, -v OFS=, -v c="$cat" '{ $10 = c; print }'
  done
} >"$WORKDIR/cats.csv"
assert_exit 0 "$SAFEMAP" count "$WORKDIR/cats.csv" --wards "$WARDS" -o "$out/c.gpkg"
assert_stderr_contains "fid_2 for 'fid'"
cols="$(ogrinfo -ro -so "$out/c.gpkg" ward_counts | awk -F: '/^[a-z_0-9]+: (Integer|Real|String)/ { printf "%s ", $1 }')"
assert_eq "ward_counts columns" "area_id area_name total anti_social_behaviour burglary total_2 burglary_2 fid_2 geom_2 area_km2 per_km2 " "$cols"
case "$(sql_value "$out/c.gpkg" "SELECT value FROM safemap_metadata WHERE layer = 'ward_counts' AND key = 'category_columns'")" in
  *'burglary="Burglary"; total_2="Total"; burglary_2="burglary"; fid_2="fid"'*) ;;
  *) fail "category_columns should map each column to its category" ;;
esac
clean_dir "$out"
# more than 200 categories: refused with what to do, no raw SQL error
{
  head -n 1 "$POLICE_SAMPLE"
  for i in $(seq 1 250); do
    sed -n '2p' "$POLICE_SAMPLE" | awk -F, -v OFS=, -v c="Type $i" '{ $10 = c; print }'
  done
} >"$WORKDIR/many.csv"
assert_exit 1 "$SAFEMAP" count "$WORKDIR/many.csv" --wards "$WARDS" -o "$out/c.gpkg"
assert_error_line count "250 distinct categories"
assert_stderr_contains "--type"
assert_stderr_not_contains "sqlite"
assert_dir_empty "$out"

finish
