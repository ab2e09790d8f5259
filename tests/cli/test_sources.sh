#!/usr/bin/env bash
# Inputs read once: however a file is reached a second time (given twice, a folder and a file inside it,
# overlapping globs, a link to a file already given), it is read once and named in one warning; a link
# that leads a folder walk back into itself (a loop) is not followed, and a warning names it. The
# incidents are never counted twice.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

MONTH="$POINTS/2022-03-metropolitan-street-burglary-camden.csv" # 160 rows

# same folder twice: 36 files, 6,416 rows (was 72 sources and 12,832 rows)
assert_exit 0 "$SAFEMAP" info "$POINTS" "$POINTS"
assert_stdout_contains "Sources: 36 "
assert_stdout_matches "Rows read: 6,416 +points kept: 6,416"
assert_stderr_contains "warning: 36 files were given more than once, each is read once"
[ "$(grep -c 'given more than once' "$ERR_FILE")" = 1 ] || fail_cmd "expected one warning, not one per file"

# same file twice
assert_exit 0 "$SAFEMAP" info "$MONTH" "$MONTH"
assert_stdout_contains "Sources: 1 "
assert_stdout_matches "Rows read: 160 +points kept: 160"
assert_stderr_contains "$MONTH was given more than once (as $MONTH, $MONTH): read once"

# a folder and a file inside it
assert_exit 0 "$SAFEMAP" info "$POINTS" "$MONTH"
assert_stdout_contains "Sources: 36 "
assert_stdout_matches "Rows read: 6,416 +points kept: 6,416"
assert_stderr_contains "$MONTH was given more than once (as $POINTS, $MONTH): read once"

# overlapping globs: 2022-0* (7 months) and 2022-* (10 months) give 10 files
assert_exit 0 "$SAFEMAP" info "$POINTS/2022-0*.csv" "$POINTS/2022-*.csv"
assert_stdout_contains "Sources: 10 "
rows=0
for f in "$POINTS"/2022-*.csv; do rows=$((rows + $(wc -l <"$f") - 1)); done
assert_stdout_matches "Rows read: $(thousands "$rows") +points kept"
assert_stderr_contains "warning: 7 files were given more than once"

# a link to a file already given
ln -s "$MONTH" "$WORKDIR/link.csv"
assert_exit 0 "$SAFEMAP" info "$MONTH" "$WORKDIR/link.csv"
assert_stdout_contains "Sources: 1 "
assert_stdout_matches "Rows read: 160 +points kept: 160"
assert_stderr_contains "$MONTH was given more than once (as $MONTH, $WORKDIR/link.csv): read once"

# a loop under a folder: data/sub/up -> .. ; walked once, the loop named, no error
mkdir -p "$WORKDIR/loop/sub"
cp "$MONTH" "$WORKDIR/loop/sub/a.csv"
ln -s .. "$WORKDIR/loop/sub/up"
assert_exit 0 "$SAFEMAP" info "$WORKDIR/loop"
assert_stdout_contains "Sources: 1 "
assert_stdout_matches "Rows read: 160 +points kept: 160"
assert_stderr_contains "warning: '$WORKDIR/loop/sub/up' is a link back to the folder '$WORKDIR/loop' (a loop): not followed"

# the counts of a run are those of the files once
assert_exit 0 "$SAFEMAP" count "$POINTS" "$POINTS" --wards "$WARDS" -o "$WORKDIR/twice.gpkg"
n="$(sql_value "$WORKDIR/twice.gpkg" "SELECT sum(total) FROM ward_counts")"
assert_eq "sum of ward totals with the folder given twice" "6051" "$n"
finish
