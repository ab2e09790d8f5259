#!/usr/bin/env bash
# safemap as the ranks of an MPI run (mpirun -np N, shared-memory transport, no network): kde (whole and in
# bands, more ranks than bands), hotspots --permutations 99 --seed 1, emerging, nearrepeat and scan give files
# byte-identical to one process; a rank that fails stops every rank with its message and no output; ranks that
# read different points, and commands that do not share their work, are refused. Skipped (77) on a build without
# MPI; a build with MPI but no mpirun fails.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

if "$SAFEMAP" --version | grep -q "MPI off"; then
  echo "this safemap was built without MPI (install libopenmpi-dev and build again): skipped"
  exit 77
fi
command -v mpirun > /dev/null || { echo "FAIL: this safemap has MPI but there is no mpirun (openmpi-bin)"; exit 1; }

out="$WORKDIR/out"
mkdir -p "$out"
# one machine, shared memory only; root in CI; more ranks than cores where asked
MPI=(mpirun --oversubscribe --mca btl self,vader --mca btl_vader_single_copy_mechanism none)
[ "$(id -u)" -eq 0 ] && MPI+=(--allow-run-as-root)
export OMPI_MCA_rmaps_base_oversubscribe=1
# same_as_one NAME EXT CMD...: CMD alone and as 2 ranks, its outputs (and a CSV's companions) byte-identical
same_as_one() {
  local name="$1" ext="$2"; shift 2
  assert_exit 0 "$SAFEMAP" "$@" -o "$out/$name.1.$ext" -q
  assert_exit 0 "${MPI[@]}" -np 2 "$SAFEMAP" "$@" -o "$out/$name.2.$ext" -q
  assert_stderr_not_contains "error"
  assert_same_bytes "$out/$name.1.$ext" "$out/$name.2.$ext"
  local f
  for f in "$out/$name.1"_*."$ext" "$out/$name.1.qml"; do
    [ -e "$f" ] || continue
    assert_same_bytes "$f" "${f/$name.1/$name.2}"
  done
}

# kde: the whole surface (rows shared out, gathered), and in bands written by rank 0 in order
same_as_one kde tif kde "$POINTS" --bandwidth 300 --cell 25
same_as_one kde_bands tif kde "$POINTS" --bandwidth 300 --cell 25 --band-rows 16
clean_dir "$out"
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 300 --cell 25 --band-rows 16 -o "$out/b1.tif" -q
for n in 3 4; do
  assert_exit 0 "${MPI[@]}" -np $n "$SAFEMAP" kde "$POINTS" --bandwidth 300 --cell 25 --band-rows 16 -o "$out/b$n.tif" -q
  assert_same_bytes "$out/b1.tif" "$out/b$n.tif"
done
# more ranks than bands (the grid is 261 rows: 2 bands of 200): the other ranks idle, the file is the same
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 300 --cell 25 --band-rows 200 -o "$out/i1.tif" -q
assert_exit 0 "${MPI[@]}" -np 3 "$SAFEMAP" kde "$POINTS" --bandwidth 300 --cell 25 --band-rows 200 -o "$out/i3.tif"
assert_same_bytes "$out/i1.tif" "$out/i3.tif"
[ "$(grep -c "wrote" "$ERR_FILE")" -eq 1 ] || fail "three ranks should print one summary (rank 0's), not: $(cat "$ERR_FILE")"
clean_dir "$out"

# hotspots with permutations, nearrepeat, scan: the replications shared out, each keyed by its index
same_as_one hotspots csv hotspots "$POINTS" --grid fishnet --cell 250 --band 500 --permutations 99 --seed 1
same_as_one hotspots_tif tif hotspots "$POINTS" --grid fishnet --cell 250 --band 500 --permutations 99 --seed 1
# each rank permutes its share of the units (rank 0 says what its share was)
assert_exit 0 "${MPI[@]}" -np 2 "$SAFEMAP" hotspots "$POINTS" --grid fishnet --cell 250 --band 500 --permutations 99 \
  --seed 1 -o "$out/hv.csv" -v -v
assert_stderr_matches "permutations: [0-9]+ of the [0-9]+ units x 99 draws"
same_as_one hotspots_wards csv hotspots "$POINTS" --wards "$WARDS" --permutations 99 --seed 1
same_as_one emerging csv emerging "$POINTS" --wards "$WARDS" --permutations 99 --seed 1
same_as_one nearrepeat csv nearrepeat "$POINTS" --time-unit month --space-bands 0,100,200,400 --time-bands 0,1,2,3 \
  --permutations 99 --seed 1
same_as_one scan csv scan "$POINTS" --wards "$WARDS" --max-window 6 --permutations 99 --seed 1
clean_dir "$out"

# a rank that fails (here rank 1 alone reads a file with a bad row, --strict): every rank stops, rank 0 prints
# rank 1's message, nothing is written
printf '%s\n' "Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context" \
  ",2023-01,Metropolitan Police Service,Metropolitan Police Service,-0.14,51.53,On or near X,E01000001,Camden 001A,Burglary,," \
  ",2023-01,Metropolitan Police Service,Metropolitan Police Service,abc,51.53,On or near X,E01000001,Camden 001A,Burglary,," \
  > "$WORKDIR/bad.csv"
for cmd in "kde --bandwidth 300" "hotspots --grid fishnet --cell 250 --band 500 --permutations 99 --seed 1" \
           "nearrepeat --space-bands 0,100 --time-bands 0,7" "scan --wards $WARDS --permutations 99 --seed 1"; do
  name=${cmd%% *}
  ext=tif; [ "$name" = kde ] || ext=csv
  # shellcheck disable=SC2086
  assert_exit 1 "${MPI[@]}" -np 1 "$SAFEMAP" $cmd "$POINTS" --strict -o "$out/f.$ext" : \
                            -np 1 "$SAFEMAP" $cmd "$WORKDIR/bad.csv" --strict -o "$out/f.$ext"
  assert_error_line "$name" "rank 1 of 2: $WORKDIR/bad.csv:3: field 'Longitude' value 'abc' is not a number"
  [ "$(grep -c "error:" "$ERR_FILE")" -eq 1 ] || fail "$name: the message should be printed once, by rank 0"
  assert_dir_empty "$out"
done
# ranks that read different points (a file that differs between machines): refused before any work
head -n 200 "$POINTS/$(ls "$POINTS" | head -n 1)" > "$WORKDIR/part.csv"
assert_exit 1 "${MPI[@]}" -np 1 "$SAFEMAP" kde "$POINTS" --bandwidth 300 -o "$out/d.tif" : \
                          -np 1 "$SAFEMAP" kde "$WORKDIR/part.csv" --bandwidth 300 -o "$out/d.tif"
assert_error_line kde "the 2 ranks read different points"
assert_dir_empty "$out"
# a memory limit too small for one band, on every rank: the message names what one band needs
assert_exit 1 "${MPI[@]}" -np 2 "$SAFEMAP" kde "$POINTS" --bandwidth 250 --cell 20 --memory-limit 1M -o "$out/m.tif"
assert_error_line kde "one band of 1 row of the"
assert_stderr_contains "more than the memory limit of 1 MiB"
assert_dir_empty "$out"
# a command that does not share its work out is refused as several ranks, not run N times over the same files
assert_exit 1 "${MPI[@]}" -np 2 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/c.gpkg"
assert_error_line count "it runs as one process, not as 2 MPI ranks"
assert_dir_empty "$out"
finish
