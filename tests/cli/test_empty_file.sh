#!/usr/bin/env bash
# A 0-byte .csv is bad input: exit 1, the message names the file and says it
# is empty, and no output (nor temporary file) is left behind.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
: >"$WORKDIR/empty.csv"

assert_exit 1 "$SAFEMAP" count "$WORKDIR/empty.csv" --wards "$WARDS" -o "$out/out.gpkg"
assert_error_line count "empty.csv"
assert_stderr_contains_i "empty"
assert_dir_empty "$out"

assert_exit 1 "$SAFEMAP" count "$WORKDIR/empty.csv" --wards "$WARDS" -o "$out/out.csv"
assert_stderr_contains "empty.csv"
assert_dir_empty "$out"

assert_exit 1 "$SAFEMAP" info "$WORKDIR/empty.csv"
assert_error_line info "empty.csv"
assert_stderr_contains_i "empty"

# An empty file among good ones is still an error (nothing is silently dropped).
assert_exit 1 "$SAFEMAP" count "$POLICE_SAMPLE" "$WORKDIR/empty.csv" --wards "$WARDS" -o "$out/out.gpkg"
assert_stderr_contains "empty.csv"
assert_dir_empty "$out"

finish
