# Shared helpers for the end-to-end tests in tests/cli, tests/golden and
# tests/postgis.  Source it from a test script:
#
#   set -euo pipefail
#   . "$SRCDIR/tests/cli/lib.sh"
#
# The test runner sets SAFEMAP (the CLI binary), SRCDIR (the repository root)
# and WORKDIR (an empty scratch directory for this test).
#
# Assertions do not stop the script: each failure is printed with what was
# expected and what came out, and counted.  End every test with `finish`,
# which exits 1 if any assertion failed and 0 otherwise.
#
# `run CMD...` runs a command without stopping the script, and keeps its exit
# status in $RC, its stdout in $OUT_FILE and its stderr in $ERR_FILE; the
# assert_stdout_* / assert_stderr_* helpers look at the last command run.

: "${SAFEMAP:?SAFEMAP must be the path of the safemap binary}"
: "${SRCDIR:?SRCDIR must be the repository root}"
: "${WORKDIR:?WORKDIR must be an empty scratch directory}"

mkdir -p "$WORKDIR"
DATA="$SRCDIR/data"
POINTS="$DATA/police/camden_burglary"
WARDS="$DATA/wards/camden_wards_2024.gpkg"
POLICE_HEADER='Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context'
# A real police.uk file of the bundled data (160 rows, all good).
POLICE_SAMPLE="$POINTS/2022-03-metropolitan-street-burglary-camden.csv"

OUT_FILE="$WORKDIR/.last.stdout"
ERR_FILE="$WORKDIR/.last.stderr"
LAST_CMD=""
RC=0
FAILURES=0

# ------------------------------------------------------------------ reporting
_show_last() {
  echo "    command: $LAST_CMD"
  echo "    exit status: $RC"
  echo "    --- stdout (first 40 lines) ---"
  head -n 40 "$OUT_FILE" 2>/dev/null | sed 's/^/    | /'
  echo "    --- stderr (first 40 lines) ---"
  head -n 40 "$ERR_FILE" 2>/dev/null | sed 's/^/    | /'
}

# fail MESSAGE: record a failed check (does not exit).
fail() {
  FAILURES=$((FAILURES + 1))
  echo "FAIL: $*" >&2
}

# fail_cmd MESSAGE: record a failed check about the last command run and show it.
fail_cmd() {
  fail "$*"
  _show_last >&2
}

note() { echo "note: $*"; }

# finish: exit with the overall result of the test.
finish() {
  if [ "$FAILURES" -ne 0 ]; then
    echo "$FAILURES check(s) failed" >&2
    exit 1
  fi
  echo "all checks passed"
  exit 0
}

# ------------------------------------------------------------------ running
_quote_cmd() {
  local s="" a
  for a in "$@"; do s+="$(printf '%q' "$a") "; done
  printf '%s' "${s% }"
}

# run CMD...: run a command, keep exit status, stdout and stderr.
run() {
  LAST_CMD="$(_quote_cmd "$@")"
  set +e
  "$@" >"$OUT_FILE" 2>"$ERR_FILE"
  RC=$?
  set -e
  return 0
}

# assert_exit CODE CMD...: run CMD and check that it exits with CODE.
assert_exit() {
  local want="$1"; shift
  run "$@"
  if [ "$RC" -ne "$want" ]; then
    fail_cmd "expected exit status $want, got $RC"
    return 0
  fi
  # A crash or abort is never an acceptable answer, whatever was asked.
  if grep -qE 'AddressSanitizer|runtime error:|Segmentation fault|Aborted' "$ERR_FILE"; then
    fail_cmd "the command reported a crash or undefined behaviour"
  fi
  return 0
}

# ------------------------------------------------------------------ output checks
# assert_stderr_contains TEXT: stderr of the last command contains TEXT (fixed string).
assert_stderr_contains() {
  grep -qF -- "$1" "$ERR_FILE" || fail_cmd "expected stderr to contain: $1"
  return 0
}
# assert_stderr_contains_i TEXT: same, ignoring case.
assert_stderr_contains_i() {
  grep -qiF -- "$1" "$ERR_FILE" || fail_cmd "expected stderr to contain (any case): $1"
  return 0
}
# assert_stderr_matches REGEX: stderr matches an extended regular expression.
assert_stderr_matches() {
  grep -qE -- "$1" "$ERR_FILE" || fail_cmd "expected stderr to match /$1/"
  return 0
}
assert_stderr_not_contains() {
  if grep -qF -- "$1" "$ERR_FILE"; then fail_cmd "expected stderr NOT to contain: $1"; fi
  return 0
}
assert_stderr_empty() {
  [ ! -s "$ERR_FILE" ] || fail_cmd "expected nothing on stderr"
  return 0
}
# assert_error_line CMD TEXT: stderr has a line 'safemap CMD: error: ...TEXT...'.
assert_error_line() {
  local cmd="$1" text="$2"
  grep -F -- "safemap $cmd: error: " "$ERR_FILE" | grep -qF -- "$text" ||
    fail_cmd "expected a line 'safemap $cmd: error: ...' containing: $text"
  return 0
}
assert_stdout_contains() {
  grep -qF -- "$1" "$OUT_FILE" || fail_cmd "expected stdout to contain: $1"
  return 0
}
assert_stdout_contains_i() {
  grep -qiF -- "$1" "$OUT_FILE" || fail_cmd "expected stdout to contain (any case): $1"
  return 0
}
assert_stdout_matches() {
  grep -qE -- "$1" "$OUT_FILE" || fail_cmd "expected stdout to match /$1/"
  return 0
}
assert_stdout_or_stderr_contains() {
  grep -qF -- "$1" "$OUT_FILE" "$ERR_FILE" || fail_cmd "expected stdout or stderr to contain: $1"
  return 0
}

# ------------------------------------------------------------------ file checks
assert_file() {
  [ -f "$1" ] || fail "expected file $1 to exist"
  return 0
}
assert_no_file() {
  if [ -e "$1" ] || [ -L "$1" ]; then fail "expected no file at $1, but it exists"; fi
  return 0
}
# assert_no_temp_files DIR: no '.NAME.safemap-tmp-*' file left in DIR.
assert_no_temp_files() {
  local left
  left="$(find "$1" -maxdepth 1 -name '*.safemap-tmp-*' 2>/dev/null | head -n 5)"
  [ -z "$left" ] || fail "temporary files left in $1: $left"
  return 0
}
# assert_dir_empty DIR: DIR holds nothing at all (no output, no temporary file).
assert_dir_empty() {
  local left
  left="$(find "$1" -mindepth 1 -maxdepth 1 2>/dev/null | head -n 10)"
  [ -z "$left" ] || fail "expected $1 to be empty after a failed run, it holds: $(echo $left)"
  return 0
}
# clean_dir DIR: empty DIR (after a check, so one unexpected output does not
# make the next checks fail too).
clean_dir() {
  find "$1" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
}
# assert_same_bytes A B: A and B are byte-identical.
assert_same_bytes() {
  if ! cmp -s "$1" "$2"; then
    fail "expected $1 and $2 to be byte-identical"
    diff <(head -c 4000 "$1" | od -c | head -20) <(head -c 4000 "$2" | od -c | head -20) >&2 || true
  fi
  return 0
}
# assert_eq WHAT EXPECTED GOT
assert_eq() {
  [ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
  return 0
}

# ------------------------------------------------------------------ data helpers
# police_csv_with_row OUT LON LAT [MONTH]: a police.uk CSV of 3 good rows, one
# bad row, then 3 good rows. The bad row is on line 5 of the file (the header
# is line 1), so messages must name OUT:5.
police_csv_with_row() {
  local out="$1" lon="$2" lat="$3" month="${4-2022-03}"
  {
    sed -n '1,4p' "$POLICE_SAMPLE"
    printf 'badrow0001,%s,Metropolitan Police Service,Metropolitan Police Service,%s,%s,On or near Test Street,E01000913,Camden 001E,Burglary,,\n' \
      "$month" "$lon" "$lat"
    sed -n '5,7p' "$POLICE_SAMPLE"
  } >"$out"
}

# thousands N: N with a comma every three digits (6416 -> 6,416), as the CLI prints counts.
thousands() {
  printf '%s\n' "$1" | sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta'
}

# sql_value GPKG SQL: the first column of the first row of SQL (SQLite dialect).
sql_value() {
  ogrinfo -ro -q "$1" -dialect SQLite -sql "$2" 2>/dev/null |
    awk '/^  [^=]* = / && !done { sub(/^  [^=]* = /, ""); print; done = 1 }'
}

# ------------------------------------------------------------------ cleanup
# on_exit CMD: run CMD (a string, evaluated) when the test exits, last first.
_ON_EXIT=()
on_exit() { _ON_EXIT=("$1" "${_ON_EXIT[@]}"); }
_run_on_exit() {
  local rc=$? c
  for c in "${_ON_EXIT[@]}"; do eval "$c" || true; done
  exit "$rc"
}
trap _run_on_exit EXIT
# Make a test killed by a signal (e.g. a ctest timeout) run its EXIT actions too.
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# ------------------------------------------------------------------ privileges
is_root() { [ "$(id -u)" -eq 0 ]; }

_nobody_group() {
  if getent group nogroup >/dev/null 2>&1; then echo nogroup; else echo nobody; fi
}

# as_nobody CMD...: run CMD as user nobody (we are root). Uses setpriv, else runuser.
as_nobody() {
  if command -v setpriv >/dev/null 2>&1; then
    setpriv --reuid=nobody --regid="$(_nobody_group)" --clear-groups -- "$@"
  else
    runuser -u nobody -- "$@"
  fi
}

# can_drop_to_nobody: true when we are root, the user 'nobody' exists, and it
# can run safemap and read the bundled data (so the test means something).
can_drop_to_nobody() {
  is_root || return 1
  id nobody >/dev/null 2>&1 || return 1
  command -v setpriv >/dev/null 2>&1 || command -v runuser >/dev/null 2>&1 || return 1
  as_nobody "$SAFEMAP" --version >/dev/null 2>&1 || return 1
  as_nobody test -r "$WARDS" || return 1
  as_nobody test -r "$POLICE_SAMPLE" || return 1
  return 0
}

# make_nobody_dir: set NOBODY_DIR to an empty directory that user nobody can
# enter and write: $WORKDIR/nobody when nobody can reach $WORKDIR, else a new
# directory under /tmp that is removed when the test exits.
make_nobody_dir() {
  NOBODY_DIR="$WORKDIR/nobody"
  mkdir -p "$NOBODY_DIR"
  chmod 1777 "$NOBODY_DIR"
  if as_nobody test -w "$NOBODY_DIR" 2>/dev/null; then
    return 0
  fi
  NOBODY_DIR="$(mktemp -d /tmp/safemap-cli-test.XXXXXX)"
  chmod 1777 "$NOBODY_DIR"
  on_exit "rm -rf '$NOBODY_DIR'"
}
