#!/usr/bin/env bash
# A police.uk CSV with its header and no rows: exit 1, the message names the
# file and says there are no data rows; nothing is written.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"
f="$WORKDIR/2022-03-header-only.csv"
printf '%s\n' "$POLICE_HEADER" >"$f"

assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg"
assert_error_line count "2022-03-header-only.csv"
assert_stderr_contains_i "no data rows"
assert_dir_empty "$out"

assert_exit 1 "$SAFEMAP" info "$f"
assert_error_line info "2022-03-header-only.csv"

# Same with CRLF line endings and without the final newline.
printf '%s\r\n' "$POLICE_HEADER" >"$f"
assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg"
assert_stderr_contains "2022-03-header-only.csv"
assert_dir_empty "$out"
printf '%s' "$POLICE_HEADER" >"$f"
assert_exit 1 "$SAFEMAP" count "$f" --wards "$WARDS" -o "$out/out.gpkg"
assert_stderr_contains "2022-03-header-only.csv"
assert_dir_empty "$out"

finish
