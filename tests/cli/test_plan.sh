#!/usr/bin/env bash
# safemap plan: the same bytes for 1 and 2 threads; the summary; --ward; each bad input refused with the file,
# line, field or ward named and nothing written.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

hh="$SRCDIR/data/synthetic/camden_households_synthetic.csv"
for j in 1 2; do
  d="$WORKDIR/j$j"; mkdir -p "$d"
  assert_exit 0 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" --households "$hh" --suppress-below 3 -o "$d/p.csv" -j "$j"
  assert_stderr_contains "20 wards, 6,051 burglaries in them from 2022-03 to 2025-02 (36 months); 365 in no ward"
  assert_stderr_contains " 1. Bloomsbury (E05013653): 700 burglaries, no clear trend"
  assert_stderr_contains "back-test: ProMap found 33% of next month's burglaries in 5% of the area (PAI 6.5); KDE 37%"
  assert_no_temp_files "$d"
done
for f in p p_months p_streets p_repeats p_hot_cells p_actions p_kde_areas p_promap_cells; do
  assert_same_bytes "$WORKDIR/j1/$f.csv" "$WORKDIR/j2/$f.csv"
done
assert_eq "plan_wards header" "ward_code,ward_name,rank,total,total_text,last12,last12_text" \
  "$(head -n 1 "$WORKDIR/j1/p.csv" | cut -d, -f1-7)"

# one ward, to a GeoPackage with its recipe
assert_exit 0 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" --ward E05013655 -o "$WORKDIR/one.gpkg" -q
assert_eq "one ward" "1" "$(sql_value "$WORKDIR/one.gpkg" "SELECT count(*) FROM plan_wards")"
assert_eq "its months" "36" "$(sql_value "$WORKDIR/one.gpkg" "SELECT count(*) FROM plan_months")"
assert_eq "its ProMap cells" "$(sql_value "$WORKDIR/one.gpkg" "SELECT promap_cells FROM plan_wards")" \
  "$(sql_value "$WORKDIR/one.gpkg" "SELECT count(*) FROM plan_promap_cells WHERE ward_code = 'E05013655'")"
assert_eq "its KDE areas only" "0" \
  "$(sql_value "$WORKDIR/one.gpkg" "SELECT count(*) FROM plan_kde_areas WHERE ward_code != 'E05013655'")"
for l in plan_wards plan_months plan_streets plan_repeats plan_hot_cells plan_actions plan_kde_areas plan_promap_cells; do
  assert_eq "$l option_ward" "E05013655" \
    "$(sql_value "$WORKDIR/one.gpkg" "SELECT value FROM safemap_metadata WHERE layer = '$l' AND key = 'option_ward'")"
done

# bad input: nothing written
assert_exit 1 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" --ward E0501365 -o "$WORKDIR/bad.csv"
assert_stderr_contains "--ward 'E0501365' is not one of the 20 wards' codes (field WD24CD); the closest is"
assert_no_file "$WORKDIR/bad.csv"
printf 'a | hot_cell >= 1 | x\n' > "$WORKDIR/rules.txt"
assert_exit 1 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" --rules "$WORKDIR/rules.txt" -o "$WORKDIR/bad.csv"
assert_stderr_contains "rules.txt:1: field 'condition': unknown variable 'hot_cell'"
assert_no_file "$WORKDIR/bad.csv"
sed 's/^E05013655,Camden Town,.*/E05013655,Camden Town,-3/' "$hh" > "$WORKDIR/hh.csv"
assert_exit 1 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" --households "$WORKDIR/hh.csv" -o "$WORKDIR/bad.csv"
assert_stderr_contains "ward E05013655 (Camden Town): field 'households' value '-3' is negative"
assert_no_file "$WORKDIR/bad.csv"
assert_no_file "$WORKDIR/bad_months.csv"
assert_exit 1 "$SAFEMAP" plan "$POINTS" -o "$WORKDIR/bad.csv"
assert_no_file "$WORKDIR/bad.csv"

# -o DIR: the pages, plans.gpkg and the CSVs; an existing folder kept without --overwrite; --pdf refused without
# Chromium or with a file output, before anything is computed; nothing written
pd="$WORKDIR/pages"
assert_exit 0 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" --suppress-below 3 --title "Camden burglary plans" -o "$pd" -q
for f in index.html E05013653.html plans.gpkg plans.csv plans_months.csv plans_actions.csv; do assert_file "$pd/$f"; done
assert_eq "pages" 21 "$(ls "$pd"/*.html | wc -l)"
grep -q '<title>Camden burglary plans</title>' "$pd/index.html" || fail "the index's title"
grep -q 'Bloomsbury</h1>' "$pd/E05013653.html" || fail "Bloomsbury's page has no heading"
grep -q '<svg class="map"' "$pd/E05013653.html" || fail "Bloomsbury's page has no map"
grep -q 'fewer than 3' "$pd/E05013652.html" || fail "suppressed counts do not read 'fewer than 3' in the pages"
! grep -q 'http' "$pd/E05013653.html" || fail "a page refers to the network"
assert_no_temp_files "$WORKDIR"
assert_exit 1 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" -o "$pd"
assert_error_line plan "exists already; nothing was written"
assert_exit 0 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" --permutations 9 -o "$pd" --overwrite -q
assert_exit 1 env SAFEMAP_CHROMIUM=/nonexistent "$SAFEMAP" plan "$POINTS" --wards "$WARDS" -o "$WORKDIR/nopdf" --pdf
assert_error_line plan "PDF needs Chromium"
assert_no_file "$WORKDIR/nopdf"
touch "$WORKDIR/afile"
assert_exit 1 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" -o "$WORKDIR/afile" --overwrite
assert_error_line plan "exists and is not a folder"
[ ! -s "$WORKDIR/afile" ] || fail "the file in the folder's place was written"
assert_exit 1 "$SAFEMAP" plan "$POINTS" --wards "$WARDS" -o "$WORKDIR/p.gpkg" --pdf
assert_error_line plan "PDF is of the pages"
assert_no_file "$WORKDIR/p.gpkg"
finish
