#!/usr/bin/env bash
# Every help text exits 0, goes to stdout and shows an example.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

assert_exit 0 "$SAFEMAP" help
assert_stdout_contains "Example"
assert_stdout_contains "count"
assert_stdout_contains "info"

assert_exit 0 "$SAFEMAP" --help
assert_stdout_contains "Example"

assert_exit 0 "$SAFEMAP" info --help
assert_stdout_contains "Example"
assert_stdout_contains "Usage: safemap info"
assert_stdout_contains "--strict"

assert_exit 0 "$SAFEMAP" count --help
assert_stdout_contains "Example"
assert_stdout_contains "Usage: safemap count"
assert_stdout_contains "--overwrite"
assert_stdout_contains "ward_counts_by_month"

assert_exit 0 "$SAFEMAP" help count
assert_stdout_contains "Usage: safemap count"
assert_stdout_contains "Example"

assert_exit 0 "$SAFEMAP" help info
assert_stdout_contains "Usage: safemap info"

finish
