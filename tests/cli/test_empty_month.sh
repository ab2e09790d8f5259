#!/usr/bin/env bash
# A police.uk row with an empty Month. police.uk always fills Month, so an
# empty one is a bad date: it must be reported like any other bad row
# (file:row in `info`, an error with --strict), not counted silently under a
# month called ''.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
f="$WORKDIR/empty_month.csv"
police_csv_with_row "$f" "-0.15" "51.55" ""

assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg" --strict
assert_error_line count "empty_month.csv:5"
assert_stderr_contains "Month"
assert_dir_empty "$out"

assert_exit 0 "$SAFEMAP" info "$f"
assert_stdout_contains "empty_month.csv:5"

# Whatever is done with the row, the by-month table must not hold a month ''.
assert_exit 0 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.csv"
if awk -F, 'NR > 1 && $3 == ""' "$out/out_by_month.csv" | grep -q .; then
  fail "out_by_month.csv has rows with an empty month: $(awk -F, 'NR > 1 && $3 == ""' "$out/out_by_month.csv" | tr '\n' ' ')"
fi

finish
