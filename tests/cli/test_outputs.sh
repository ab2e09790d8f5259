#!/usr/bin/env bash
# Outputs never clobber inputs, and no run leaves a half-written file:
# - -o (or a CSV companion OUT_by_month.csv) that is one of the inputs — the file given, a file the reader
#   reads inside a folder given, the --wards file, through a link — is refused even with --overwrite: exit 1,
#   a message saying to choose another output path, the input unchanged byte for byte;
# - SIGTERM during a run removes the run's temporary files and the run exits 143;
# - temporary files left by a killed run (its process gone) are removed by the next write into that folder,
#   with a warning; those of a live process are left alone.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

in="$WORKDIR/in"; out="$WORKDIR/out"
mkdir -p "$in/deep" "$out"
cp "$POLICE_SAMPLE" "$in/deep/a.csv"
cp "$POINTS/2022-04-metropolitan-street-burglary-camden.csv" "$in/b.csv"
cp "$WARDS" "$in/wards.gpkg"
cp -r "$in" "$WORKDIR/before"

refused() { # refused FILE-AS-IN-BEFORE: the last run was refused and FILE is unchanged
  if [ "$RC" -ne 1 ]; then fail_cmd "expected exit status 1, got $RC"; fi
  assert_stderr_contains "is one of the inputs"
  assert_stderr_contains "choose another output path"
  assert_same_bytes "$WORKDIR/before/${1#"$in"/}" "$1"
  assert_no_temp_files "$in"; assert_no_temp_files "$in/deep"
}

# -o equal to an input file
run "$SAFEMAP" count "$in/b.csv" --wards "$in/wards.gpkg" -o "$in/b.csv" --overwrite
refused "$in/b.csv"
# -o equal to a file inside an input folder
run "$SAFEMAP" count "$in" --wards "$in/wards.gpkg" -o "$in/deep/a.csv" --overwrite
refused "$in/deep/a.csv"
assert_stderr_contains "it is read from the folder $in"
# -o equal to the --wards file
run "$SAFEMAP" count "$in/b.csv" --wards "$in/wards.gpkg" -o "$in/wards.gpkg" --overwrite
refused "$in/wards.gpkg"
# a CSV companion equal to an input: -o X.csv writes X_by_month.csv too
cp "$in/b.csv" "$out/x_by_month.csv"
run "$SAFEMAP" count "$out/x_by_month.csv" --wards "$in/wards.gpkg" -o "$out/x.csv" --overwrite
[ "$RC" -eq 1 ] || fail_cmd "expected exit status 1, got $RC"
assert_stderr_contains "x_by_month.csv' is one of the inputs"
assert_same_bytes "$in/b.csv" "$out/x_by_month.csv"
assert_no_file "$out/x.csv"
rm -f "$out/x_by_month.csv"
# the locations companion of scan
cp "$in/b.csv" "$out/x_locations.csv"
run "$SAFEMAP" scan "$out/x_locations.csv" -o "$out/x.csv" --overwrite
[ "$RC" -eq 1 ] || fail_cmd "expected exit status 1, got $RC"
assert_stderr_contains "x_locations.csv' is one of the inputs"
assert_same_bytes "$in/b.csv" "$out/x_locations.csv"
assert_no_file "$out/x.csv"
rm -f "$out/x_locations.csv"
# -o through a link to an input
ln -s "$in/b.csv" "$out/link.csv"
run "$SAFEMAP" count "$in/b.csv" --wards "$in/wards.gpkg" -o "$out/link.csv" --overwrite
refused "$in/b.csv"
# -o matching a glob given
run "$SAFEMAP" count "$in/*.csv" --wards "$in/wards.gpkg" -o "$in/b.csv" --overwrite
refused "$in/b.csv"
assert_stderr_contains "it matches $in/*.csv"
# an output beside the inputs that is not one of them is fine
assert_exit 0 "$SAFEMAP" count "$in" --wards "$in/wards.gpkg" -o "$in/counts.gpkg"
rm -f "$in/counts.gpkg" "$out/link.csv"

# SIGTERM while the output is being written: no temporary file is left, exit 143
"$SAFEMAP" kde "$POINTS" --cell 2 -j1 -q -o "$out/big.tif" &
pid=$!
for _ in $(seq 1 3000); do
  if [ -n "$(find "$out" -maxdepth 1 -name '.safemap-tmp-*' 2>/dev/null)" ] || ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.02
done
[ -n "$(find "$out" -maxdepth 1 -name '.safemap-tmp-*')" ] || note "the run ended before its temporary file was seen"
kill -TERM "$pid" 2>/dev/null || true
set +e; wait "$pid"; rc=$?; set -e
assert_eq "exit status after SIGTERM" 143 "$rc"
assert_no_temp_files "$out"
assert_no_file "$out/big.tif"

# a temporary file left by a killed run (its process is gone) goes at the next write into the folder;
# one of a live process (this shell) stays
bash -c 'exit 0' & dead=$!; wait "$dead" || true
printf 'half\n' >"$out/.safemap-tmp-$dead-0.gpkg"
printf 'half\n' >"$out/.safemap-tmp-$dead-0.gpkg-journal"
printf 'busy\n' >"$out/.safemap-tmp-$$-0.csv"
assert_exit 0 "$SAFEMAP" count "$POLICE_SAMPLE" --wards "$WARDS" -o "$out/after.gpkg"
assert_stderr_contains "removed '$out/.safemap-tmp-$dead-0.gpkg', a temporary file left by an interrupted run (process $dead)"
assert_no_file "$out/.safemap-tmp-$dead-0.gpkg"
assert_no_file "$out/.safemap-tmp-$dead-0.gpkg-journal"
assert_file "$out/.safemap-tmp-$$-0.csv"
rm -f "$out/.safemap-tmp-$$-0.csv"
finish
