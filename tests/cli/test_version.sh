#!/usr/bin/env bash
# `safemap --version` exits 0 and prints the release from VERSION ("safemap 0.1.0").
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

want="$(head -n 1 "$SRCDIR/VERSION" | tr -d '[:space:]')"
assert_eq "VERSION file" "0.1.0" "$want"

assert_exit 0 "$SAFEMAP" --version
assert_stdout_matches "^safemap $(printf '%s' "$want" | sed 's/\./\\./g')\$"
first="$(head -n 1 "$OUT_FILE")"
assert_eq "first line of 'safemap --version'" "safemap $want" "$first"
assert_stderr_empty

finish
