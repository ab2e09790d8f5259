#!/usr/bin/env bash
# Bad arguments exit 1 with a message naming the problem, and write nothing:
# an unknown option, `count` without --wards, `count` without -o, no input,
# an unknown command, an output name whose format cannot be told.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"

assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/out.gpkg" --no-such-option
assert_stderr_contains "--no-such-option"
assert_dir_empty "$out"

assert_exit 1 "$SAFEMAP" info "$POINTS" --no-such-option
assert_stderr_contains "--no-such-option"

assert_exit 1 "$SAFEMAP" --no-such-option
assert_stderr_contains "--no-such-option"

assert_exit 1 "$SAFEMAP" frobnicate
assert_stderr_contains "frobnicate"

# count without --wards
assert_exit 1 "$SAFEMAP" count "$POINTS" -o "$out/out.gpkg"
assert_stderr_contains "--wards"
assert_dir_empty "$out"

# count without -o
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS"
assert_stderr_contains "-o"
assert_dir_empty "$out"

# count without -o in a directory of its own: nothing appears in the current directory either
mkdir -p "$WORKDIR/cwd"
cd "$WORKDIR/cwd"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS"
cd "$WORKDIR"
assert_dir_empty "$WORKDIR/cwd"

# count without any input
assert_exit 1 "$SAFEMAP" count --wards "$WARDS" -o "$out/out.gpkg"
assert_stderr_contains_i "input"
assert_dir_empty "$out"

# -o with an extension that is neither .gpkg nor .csv
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/out.txt"
assert_stderr_contains "out.txt"
assert_dir_empty "$out"

# an option that needs a value, given none
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o
assert_dir_empty "$out"

# -j with a value that is not a number
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/out.gpkg" -j lots
assert_stderr_contains "lots"
assert_dir_empty "$out"

finish
