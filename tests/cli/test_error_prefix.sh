#!/usr/bin/env bash
# Every error, argument errors included, is printed as
#   safemap <cmd>: error: <message>
# on stderr (the convention of the CLI), so scripts and users can grep for it.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"

check() { # CMD TEXT ARGS...: the error line for CMD mentions TEXT
  local cmd="$1" text="$2"; shift 2
  assert_exit 1 "$SAFEMAP" "$cmd" "$@"
  assert_error_line "$cmd" "$text"
}

# input errors (these already follow the convention)
: >"$WORKDIR/empty.csv"
check count "empty.csv" "$WORKDIR/empty.csv" --wards "$WARDS" -o "$out/a.gpkg"
check info "empty.csv" "$WORKDIR/empty.csv"

# argument errors
check count "--no-such-option" "$POINTS" --wards "$WARDS" -o "$out/a.gpkg" --no-such-option
check info "--no-such-option" "$POINTS" --no-such-option
check count "--wards" "$POINTS" -o "$out/a.gpkg"
check count "-o" "$POINTS" --wards "$WARDS"

assert_dir_empty "$out"
finish
