#!/usr/bin/env bash
# safemap audit on the bundled Holborn and Bloomsbury sample (OSM streets, Camden's lamp inventory, the City of
# London's 2023 crimes, synthetic walk audits and defects), checked against independent counts; and its usage
# errors and bad inputs.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"
STREETS="$DATA/streets/holborn_bloomsbury_osm.gpkg"
LAMPS="$DATA/lighting/camden_lamps_holborn_bloomsbury.csv"
CRIMES="$DATA/police/city_of_london_2023_holborn"
AUDITS="$DATA/synthetic/walk_audits_synthetic.csv"
DEFECTS="$DATA/synthetic/defects_synthetic.csv"

# the whole audit, as the README's demo runs it
assert_exit 0 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" "$CRIMES" --defects "$DEFECTS" --at 2023-12-31 \
  --audits "$AUDITS" --wards "$WARDS" --hour 01:00 -j 2 -o "$out/audit.gpkg"
assert_stderr_contains "safemap audit: 1643 segments, 29.2 km of street; 1746 lamps"
assert_stderr_contains "310 crimes"
assert_stderr_contains "safemap audit: priority 1: "
assert_stderr_contains "safemap audit: 102 street segments (2.16 km) outside every ward were left out"
assert_stderr_not_contains "warning"
for layer in audit_segments dark_stretches audit_priorities audit_lamps audit_wards; do
  n=$(sql_value "$out/audit.gpkg" "SELECT COUNT(*) FROM $layer")
  [ "${n:-0}" -gt 0 ] || fail "layer $layer is empty or missing ($n)"
done
# each layer's QGIS style, the same for 1 and 2 threads
assert_exit 0 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" "$CRIMES" --defects "$DEFECTS" --at 2023-12-31 \
  --audits "$AUDITS" --wards "$WARDS" --hour 01:00 -j 1 -o "$out/audit_j1.gpkg" -q
styles() { sqlite3 "$1" "SELECT id, f_table_name, styleName, useAsDefault, description, styleQML FROM layer_styles ORDER BY id"; }
[ "$(styles "$out/audit.gpkg")" = "$(styles "$out/audit_j1.gpkg")" ] || fail "layer_styles differ for 1 and 2 threads"
[ "$(sqlite3 "$out/audit.gpkg" "SELECT group_concat(f_table_name, ' ') FROM layer_styles WHERE useAsDefault")" = \
  "audit_segments dark_stretches audit_priorities audit_lamps audit_wards" ] || fail "layer_styles lacks a layer's style"
# the VAWG rows of the sample, counted here from the CSVs: the default crime types
vawg=$(cat "$CRIMES"/*.csv | awk -F, 'index($0, "Violence and sexual offences") || index($0, "Robbery") || index($0, "Public order") || index($0, "Theft from the person")' | awk -F, '$5 != ""' | wc -l)
[ "$vawg" = 310 ] || fail "the sample has $vawg VAWG rows with a position, want 310"
assert_eq "crimes used" 310 "$(sql_value "$out/audit.gpkg" "SELECT value FROM safemap_metadata WHERE layer = 'audit_segments' AND key = 'input_points'")"
[ "$(sql_value "$out/audit.gpkg" "SELECT COUNT(*) FROM audit_priorities")" = 50 ] || fail "want the top 50 priorities"
# the crime types stated are those used
types=$(sql_value "$out/audit.gpkg" "SELECT value FROM safemap_metadata WHERE layer = 'audit_segments' AND key = 'crimes'")
case $types in
  *"(types: Theft from the person, Public order, Robbery, Violence and sexual offences)"*) ;;
  *) fail "the crimes' types stated: $types" ;;
esac
[ "$(sql_value "$out/audit.gpkg" "SELECT COUNT(*) FROM audit_wards")" = 2 ] || fail "want 2 wards with audited streets"
# every dark stretch is at least --min-dark 50 m, below target all along
[ "$(sql_value "$out/audit.gpkg" "SELECT COUNT(*) FROM dark_stretches WHERE length_m < 50")" = 0 ] || fail "a dark stretch under 50 m"
[ "$(sql_value "$out/audit.gpkg" "SELECT COUNT(*) FROM audit_segments WHERE dark_stretch IS NOT NULL AND below_target = 0")" = 0 ] ||
  fail "a lit segment in a dark stretch"
# the ward summary adds up the segments
w=$(sql_value "$out/audit.gpkg" "SELECT ROUND(SUM(street_km), 6) FROM audit_wards")
s=$(sql_value "$out/audit.gpkg" "SELECT ROUND(SUM(length_m) / 1000, 6) FROM audit_segments")
[ "$w" = "$s" ] || fail "wards hold $w km, segments $s km"

# without wards every street is kept: the segments' length is the streets' length measured by SpatiaLite
assert_exit 0 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" -o "$out/streets.csv" -q
[ -f "$out/streets_dark_stretches.csv" ] && [ -f "$out/streets_priorities.csv" ] && [ -f "$out/streets_lamps.csv" ] ||
  fail "CSV companions missing"
ours=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "length_m") c = i; next } { s += $c } END { printf "%.3f", s }' "$out/streets.csv")
theirs=$(ogrinfo -q -dialect sqlite -sql "SELECT SUM(ST_Length(ST_Transform(geom, 27700))) AS m FROM highways" "$STREETS" |
  sed -n 's/^ *m (Real) = //p' | awk '{ printf "%.3f", $1 }')
[ "$ours" = "$theirs" ] || fail "segments sum to $ours m, the streets measure $theirs m"
assert_stderr_empty

# the same bits for 1 and 2 threads
assert_exit 0 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" "$CRIMES" --defects "$DEFECTS" --audits "$AUDITS" \
  --pins "$DATA/synthetic/unsafe_pins_synthetic.csv" --hour 01:00 -j 1 -o "$out/j1.csv" -q
assert_exit 0 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" "$CRIMES" --defects "$DEFECTS" --audits "$AUDITS" \
  --pins "$DATA/synthetic/unsafe_pins_synthetic.csv" --hour 01:00 -j 2 -o "$out/j2.csv" -q
for f in j1 j1_dark_stretches j1_priorities j1_lamps; do
  assert_same_bytes "$out/$f.csv" "$out/${f/j1/j2}.csv"
done
assert_same_bytes "$out/j1.csv" "$out/j2.csv"
clean_dir "$out"

# typed columns (an integer id, dates) read as the CSVs' text: GDAL reuses the text of a number or date field
# on the next call, so every text is copied (before, every source_id became the street name, and Reported
# was read as Fixed)
printf 'id,name,WKT\n7,"A Street","LINESTRING (529900 181400,530000 181400)"\n8,"B Street","LINESTRING (530000 181400,530000 181500)"\n' \
  > "$WORKDIR/typed.csv"
ogr2ogr -f GPKG "$WORKDIR/typed.gpkg" "$WORKDIR/typed.csv" -oo AUTODETECT_TYPE=YES -oo KEEP_GEOM_COLUMNS=NO \
  -a_srs EPSG:27700 -nln streets -nlt LINESTRING
printf 'Easting,Northing,Category,Reported,Fixed\n529950,181405,Pothole,2024-01-05,2024-03-01\n530005,181450,Pothole,2023-12-01,\n' \
  > "$WORKDIR/dated.csv"
ogr2ogr -f GPKG "$WORKDIR/dated.gpkg" "$WORKDIR/dated.csv" -oo AUTODETECT_TYPE=YES -oo X_POSSIBLE_NAMES=Easting \
  -oo Y_POSSIBLE_NAMES=Northing -a_srs EPSG:27700 -nln defects
assert_exit 0 "$SAFEMAP" audit --streets "$WORKDIR/typed.gpkg" --defects "$WORKDIR/dated.gpkg" --at 2024-02-01 -o "$out/typed.csv" -q
assert_eq "source ids" "7 8" "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "source_id") c = i; next } { print $c }' "$out/typed.csv" | sort -u | paste -sd' ')"
assert_exit 0 "$SAFEMAP" audit --streets "$WORKDIR/typed.gpkg" --defects "$WORKDIR/dated.csv" --at 2024-02-01 -o "$out/dated_csv.csv" -q
assert_same_bytes "$out/typed.csv" "$out/dated_csv.csv"
clean_dir "$out"

# routes over audits made with less: without crimes there is no exposure to count; without lamps, no darkness
# to weigh (refused, saying why)
assert_exit 0 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" -o "$out/lamps_only.gpkg" -q
assert_exit 0 "$SAFEMAP" route "$out/lamps_only.gpkg" --from 530000,181500 --to 530800,181300 -o "$out/r1.gpkg"
assert_stderr_contains "VAWG exposure 0.0"
assert_exit 0 "$SAFEMAP" audit --streets "$STREETS" "$CRIMES" -o "$out/crimes_only.gpkg" -q
assert_exit 1 "$SAFEMAP" route "$out/crimes_only.gpkg" --from 530000,181500 --to 530800,181300 -o "$out/r2.gpkg"
assert_stderr_contains "the audit has no lighting figures (it was made without --lights)"
clean_dir "$out"

# usage errors: nothing is written
assert_exit 1 "$SAFEMAP" audit --lights "$LAMPS" -o "$out/x.gpkg"
assert_error_line audit "--streets is required"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" -o "$out/x.gpkg"
assert_error_line audit "nothing to audit the streets with"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" --hour 25:00 -o "$out/x.gpkg"
assert_error_line audit "--hour '25:00' is not a time of day"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" --target P9 -o "$out/x.gpkg"
assert_error_line audit "--target 'P9' is not an EN 13201-2 P class"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" --priority-weights 1,2 -o "$out/x.gpkg"
assert_error_line audit "--priority-weights '1,2' is not 5 numbers"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" --lamp-type plasma -o "$out/x.gpkg"
assert_error_line audit "--lamp-type 'plasma' is not a lamp type"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" --sample 30 -o "$out/x.gpkg"
assert_error_line audit "--sample 30 must not be longer than --segment 25"

# bad inputs, each named by file, row, field and value; nothing is written
printf 'Easting,Northing,Wattage\n529900,181400,90\n529930,181400,0\n' > "$WORKDIR/zero.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$WORKDIR/zero.csv" -o "$out/x.gpkg"
assert_error_line audit "zero.csv: line 3: field 'Wattage' value '0': a lamp's wattage must be a positive number of watts"
printf 'Easting,Northing,Wattage,Switch Regime\n529900,181400,90,when dark\n' > "$WORKDIR/regime.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$WORKDIR/regime.csv" -o "$out/x.gpkg"
assert_error_line audit "regime.csv: line 2: field 'Switch Regime' value 'when dark': not a switching regime"
printf 'Easting,Northing,Wattage\n540000,190000,90\n' > "$WORKDIR/far.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$WORKDIR/far.csv" -o "$out/x.gpkg"
assert_stderr_contains "is within reach of any street"
assert_exit 1 "$SAFEMAP" audit --streets "$LAMPS" --lights "$LAMPS" -o "$out/x.gpkg"
assert_stderr_contains "has no geometry: the streets must be lines"
assert_exit 1 "$SAFEMAP" audit --streets "$WARDS" --lights "$LAMPS" -o "$out/x.gpkg"
assert_stderr_contains "the streets must be lines"
printf 'Easting,Northing,Lighting\n529900,181400,5\n' > "$WORKDIR/score.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --audits "$WORKDIR/score.csv" -o "$out/x.gpkg"
assert_error_line audit "score.csv: line 2: field 'Lighting' value '5': audit scores are 0 to 3"
printf 'Easting,Northing,Category,Reported,Fixed\n529900,181400,Pothole,2023-05-01,2023-04-01\n' > "$WORKDIR/fixed.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --defects "$WORKDIR/fixed.csv" -o "$out/x.gpkg"
assert_error_line audit "fixed.csv: line 2: fixed before it was reported"
assert_exit 1 "$SAFEMAP" audit --streets "$WORKDIR/nope.gpkg" --lights "$LAMPS" -o "$out/x.gpkg"
assert_stderr_contains "--streets $WORKDIR/nope.gpkg: cannot open it: no such file"
: > "$WORKDIR/empty.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$WORKDIR/empty.csv" -o "$out/x.gpkg"
assert_stderr_contains "empty.csv: cannot open it: the file is empty (0 bytes)"
printf 'Easting,Northing,Wattage\n' > "$WORKDIR/header_only.csv"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$WORKDIR/header_only.csv" -o "$out/x.gpkg"
assert_stderr_contains "no lamp with a usable position: 0 rows read"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --defects "$DEFECTS" --at 2023-13-45 -o "$out/x.gpkg"
assert_error_line audit "--at '2023-13-45' is not a date"
assert_exit 1 "$SAFEMAP" audit --streets "$STREETS" --lights "$LAMPS" --where "nocolumn = 1" -o "$out/x.gpkg"
assert_stderr_contains "no feature passes it: check its columns and values"
assert_dir_empty "$out"
finish
