#!/usr/bin/env bash
# Output names near the file-name length limit (NAME_MAX, 255 bytes on Linux
# file systems):
#  - a name that is valid (244-byte x.csv, 253-byte x_by_month.csv; 245-byte
#    .gpkg) must be written: the temporary name used for the atomic write
#    must not be what makes it fail;
#  - for -o x.csv where x.csv is valid but x_by_month.csv is too long: exit 1
#    naming the too-long file, and nothing written (not x.csv alone).
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

max="$(getconf NAME_MAX "$WORKDIR" 2>/dev/null || echo 255)"
if [ "$max" -lt 255 ]; then
  note "NAME_MAX is $max here; the names below are for 255"
fi
base="$(printf 'n%.0s' $(seq 1 240))"

out="$WORKDIR/out"; mkdir -p "$out"
assert_exit 0 "$SAFEMAP" count "$POLICE_SAMPLE" --wards "$WARDS" -o "$out/$base.csv"
assert_file "$out/$base.csv"
assert_file "$out/${base}_by_month.csv"
assert_no_temp_files "$out"
clean_dir "$out"

assert_exit 0 "$SAFEMAP" count "$POLICE_SAMPLE" --wards "$WARDS" -o "$out/$base.gpkg"
assert_file "$out/$base.gpkg"
assert_no_temp_files "$out"
clean_dir "$out"

long="${base}nnnnn"        # x.csv 249 bytes, x_by_month.csv 258 bytes
assert_exit 1 "$SAFEMAP" count "$POLICE_SAMPLE" --wards "$WARDS" -o "$out/$long.csv"
assert_stderr_contains "${long}_by_month.csv"
assert_dir_empty "$out"

finish
