#!/usr/bin/env bash
# Every command takes only the options it declares, and checks every number strictly: an option of
# another command, a number with trailing text, a word where only metres mean something, each exit 1
# with a message naming the option and the value, and nothing written. Every command's --help is
# generated from its table: it lists its options and shows a worked example on the bundled data. An option
# that takes a value, given twice, is an error naming both values (flags such as -v may repeat); an option
# without its value (at the end of the line, or followed by another option) says so.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"
o="$out/x.gpkg"

# cmd | an option it does not take | an option it takes, with a malformed value | the message's text
cases=(
  "info|--cell 200|-j 2x|-j/--threads needs"
  "count|--bandwidth 200|--threads abc|--threads needs"
  "kde|--permutations 99|--cell 200abc|--cell needs metres > 0, not '200abc'"
  "kde|--band 300|--bandwidth 250m|--bandwidth needs"
  "hotspots|--bin month|--band auto|--band needs metres > 0, not 'auto'"
  "hotspots|--kernel quartic|--cell 200abc|--cell needs metres > 0, not '200abc'"
  "emerging|--bandwidth 200|--time-lag 1.5|--time-lag needs a whole number"
  "nearrepeat|--wards $WARDS|--permutations 99x|--permutations needs a whole number"
  "scan|--kernel quartic|--max-radius 500m|--max-radius needs metres > 0"
  "forecast|--weights queen|--cell 100x|--cell needs metres > 0, not '100x'"
)
for c in "${cases[@]}"; do
  IFS='|' read -r cmd unused bad msg <<< "$c"
  # shellcheck disable=SC2086
  assert_exit 1 "$SAFEMAP" "$cmd" "$POINTS" $unused
  assert_error_line "$cmd" "${unused%% *}"
  assert_stderr_contains "does not take"
  assert_dir_empty "$out"
  # shellcheck disable=SC2086
  assert_exit 1 "$SAFEMAP" "$cmd" "$POINTS" $bad -o "$o"
  assert_error_line "$cmd" "$msg"
  assert_dir_empty "$out"
done
# an option given as --name=value is the same as --name value
assert_exit 1 "$SAFEMAP" kde "$POINTS" -o "$o" --cell=12x
assert_error_line kde "--cell needs metres > 0, not '12x'"
assert_exit 1 "$SAFEMAP" kde "$POINTS" -o "$o" --overwrite=yes
assert_error_line kde "--overwrite takes no value"

# an option that takes a value, given twice: an error naming both values (which was meant is not guessed)
assert_exit 1 "$SAFEMAP" kde "$POINTS" --cell 100 --cell 200 -o "$o"
assert_error_line kde "--cell given twice (100, 200)"
assert_dir_empty "$out"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --cell=100 --cell 100 -o "$o"
assert_error_line kde "--cell given twice (100, 100)"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/a.gpkg" --output "$out/b.gpkg"
assert_error_line count "-o/--output given twice ($out/a.gpkg, $out/b.gpkg)"
assert_dir_empty "$out"
assert_exit 1 "$SAFEMAP" info "$POINTS" -j2 -j 1
assert_error_line info "-j/--threads given twice (2, 1)"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" --wards "$WARDS" -o "$o"
assert_error_line count "--wards given twice"
assert_exit 1 "$SAFEMAP" scan "$POINTS" --centres units --centers incidents -o "$out/s.csv" # one option, two spellings
assert_error_line scan "given twice (units, incidents)"
assert_dir_empty "$out"
# --limit takes one value per KIND: two kinds are fine, the same kind twice is an error
assert_exit 1 "$SAFEMAP" kde "$POINTS" --limit cells=1e9 --limit cells=2e9 -o "$o"
assert_error_line kde "--limit given twice (cells=1e9, cells=2e9)"
assert_dir_empty "$out"
assert_exit 0 "$SAFEMAP" info "$POLICE_SAMPLE" --limit cells=1e9 --limit units=1e9 -q
# a flag may repeat: -v -v is more detail
assert_exit 0 "$SAFEMAP" info "$POLICE_SAMPLE" -v -v
assert_exit 0 "$SAFEMAP" info "$POLICE_SAMPLE" -q -q

# -o with no value: at the end of the line, empty, or followed by another option
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o
assert_error_line count "-o/--output needs a value"
assert_stderr_not_contains "is required"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o ""
assert_error_line count "-o/--output needs a value"
assert_exit 1 "$SAFEMAP" count "$POINTS" -o --wards "$WARDS"
assert_error_line count "-o/--output needs a value (--wards is an option)"
assert_stderr_not_contains "--wards is required"
assert_exit 1 "$SAFEMAP" kde "$POINTS" -o "$o" --cell
assert_error_line kde "--cell needs a value"
assert_stderr_not_contains "NULL"
assert_dir_empty "$out"

for cmd in info count kde hotspots emerging nearrepeat scan forecast; do
  assert_exit 0 "$SAFEMAP" "$cmd" --help
  assert_stdout_contains "Usage: safemap $cmd "
  assert_stdout_contains "Examples:"
  assert_stdout_contains "  safemap $cmd data/police/camden_burglary"
  assert_stdout_contains "-j, --threads N"
  assert_exit 0 "$SAFEMAP" help "$cmd"
  assert_stdout_contains "Usage: safemap $cmd "
done
finish
