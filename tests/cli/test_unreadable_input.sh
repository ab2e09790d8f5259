#!/usr/bin/env bash
# Inputs that cannot be read: exit 1, the message names the path, nothing is
# written.
#  - a points file that does not exist; a wards file that does not exist
#  - a directory given where a file is expected (works as root too)
#  - a file with mode 000: as a normal user directly; as root (who can read
#    any file) the command is run as user 'nobody' with setpriv/runuser.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"; mkdir -p "$out"

# --- does not exist
assert_exit 1 "$SAFEMAP" count "$WORKDIR/no-such-file.csv" --wards "$WARDS" -o "$out/out.gpkg"
assert_error_line count "no-such-file.csv"
assert_stderr_contains_i "no such file"
assert_dir_empty "$out"

assert_exit 1 "$SAFEMAP" info "$WORKDIR/no-such-file.csv"
assert_error_line info "no-such-file.csv"

assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/no-such-wards.gpkg" -o "$out/out.gpkg"
assert_error_line count "no-such-wards.gpkg"
assert_dir_empty "$out"

# A missing file among good ones is still an error.
assert_exit 1 "$SAFEMAP" count "$POLICE_SAMPLE" "$WORKDIR/no-such-file.csv" --wards "$WARDS" -o "$out/out.gpkg"
assert_stderr_contains "no-such-file.csv"
assert_dir_empty "$out"

# --- a directory where a file is expected
mkdir -p "$WORKDIR/a_directory.csv" "$WORKDIR/wards_dir.gpkg"
assert_exit 1 "$SAFEMAP" count "$WORKDIR/a_directory.csv" --wards "$WARDS" -o "$out/out.gpkg"
assert_error_line count "a_directory.csv"
assert_dir_empty "$out"
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/wards_dir.gpkg" -o "$out/out.gpkg"
assert_error_line count "wards_dir.gpkg"
assert_dir_empty "$out"

# --- mode 000
if ! is_root; then
  cp "$POLICE_SAMPLE" "$WORKDIR/unreadable.csv"
  cp "$WARDS" "$WORKDIR/unreadable.gpkg"
  chmod 000 "$WORKDIR/unreadable.csv" "$WORKDIR/unreadable.gpkg"
  on_exit "chmod 600 '$WORKDIR/unreadable.csv' '$WORKDIR/unreadable.gpkg'"
  assert_exit 1 "$SAFEMAP" count "$WORKDIR/unreadable.csv" --wards "$WARDS" -o "$out/out.gpkg"
  assert_error_line count "unreadable.csv"
  assert_stderr_contains_i "permission denied"
  assert_dir_empty "$out"
  assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$WORKDIR/unreadable.gpkg" -o "$out/out.gpkg"
  assert_error_line count "unreadable.gpkg"
  assert_dir_empty "$out"
elif can_drop_to_nobody; then
  make_nobody_dir
  d="$NOBODY_DIR"
  mkdir -p "$d/out"; chmod 1777 "$d/out"
  cp "$POLICE_SAMPLE" "$d/unreadable.csv"
  cp "$WARDS" "$d/unreadable.gpkg"
  chmod 000 "$d/unreadable.csv" "$d/unreadable.gpkg"
  # control: nobody can do the same run with a readable copy
  cp "$POLICE_SAMPLE" "$d/readable.csv"; chmod 644 "$d/readable.csv"
  assert_exit 0 as_nobody "$SAFEMAP" count "$d/readable.csv" --wards "$WARDS" -o "$d/out/ok.csv"
  clean_dir "$d/out"

  assert_exit 1 as_nobody "$SAFEMAP" count "$d/unreadable.csv" --wards "$WARDS" -o "$d/out/out.gpkg"
  assert_error_line count "unreadable.csv"
  assert_stderr_contains_i "permission denied"
  assert_dir_empty "$d/out"
  assert_exit 1 as_nobody "$SAFEMAP" info "$d/unreadable.csv"
  assert_error_line info "unreadable.csv"
  assert_exit 1 as_nobody "$SAFEMAP" count "$POINTS" --wards "$d/unreadable.gpkg" -o "$d/out/out.gpkg"
  assert_error_line count "unreadable.gpkg"
  assert_dir_empty "$d/out"
else
  note "running as root and user 'nobody' cannot run $SAFEMAP or read the data: mode-000 case not run (the directory case above covers root)"
fi

finish
