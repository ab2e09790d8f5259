#!/usr/bin/env bash
# An output that cannot be written: exit 1, the message names the path and
# the reason, and nothing (no output, no temporary file) is left.
#  - the output directory does not exist (.gpkg and .csv)
#  - the output directory is read-only: chmod 555 as a normal user; as root
#    (who can write anywhere) the command is run as user 'nobody'.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

for ext in gpkg csv; do
  assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$WORKDIR/no-such-dir/out.$ext"
  assert_error_line count "no-such-dir"
  assert_no_file "$WORKDIR/no-such-dir"
done

check_readonly() { # DIR RUNNER...: DIR is read-only for RUNNER
  local d="$1"; shift
  local ext
  for ext in gpkg csv; do
    assert_exit 1 "$@" "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$d/out.$ext"
    assert_error_line count "$d"
    assert_stderr_contains_i "permission denied"
    assert_dir_empty "$d"
  done
  # `info` writes nothing, so it still works from a read-only current directory.
}

if ! is_root; then
  mkdir -p "$WORKDIR/readonly"
  chmod 555 "$WORKDIR/readonly"
  on_exit "chmod 755 '$WORKDIR/readonly'"
  check_readonly "$WORKDIR/readonly" env
elif can_drop_to_nobody; then
  make_nobody_dir
  mkdir -p "$NOBODY_DIR/readonly"
  chmod 755 "$NOBODY_DIR/readonly"     # owned by root: read-only for nobody
  # control: nobody can write in a directory that is writable
  mkdir -p "$NOBODY_DIR/writable"; chmod 1777 "$NOBODY_DIR/writable"
  assert_exit 0 as_nobody "$SAFEMAP" count "$POLICE_SAMPLE" --wards "$WARDS" -o "$NOBODY_DIR/writable/ok.gpkg"
  check_readonly "$NOBODY_DIR/readonly" as_nobody
else
  note "running as root and user 'nobody' cannot run $SAFEMAP or read the data: read-only directory case not run"
fi

finish
