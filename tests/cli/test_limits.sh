#!/usr/bin/env bash
# Every run's size is bounded before it starts: each command refuses, at once and before it allocates, a run
# larger than a limit (the message names the size, the limit and --limit KIND=N), writes nothing, and a raised
# --limit lets a moderately larger run through. And no surface of inf or NaN is written with exit 0.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
mkdir -p "$out"

# refused KIND CMD...: exits 1 naming the limit, writes no output, and takes no time beyond reading the data (10 s
# allows for a loaded machine; the runs refused here took minutes, or ran out of memory, before)
refused() {
  local kind="$1"; shift
  local t0 t1
  t0=$(date +%s%N)
  assert_exit 1 "$SAFEMAP" "$@"
  t1=$(date +%s%N)
  assert_stderr_contains "is more than the limit of"
  assert_stderr_contains "raise the limit with --limit $kind=N"
  [ $(( (t1 - t0) / 1000000 )) -lt 10000 ] || fail_cmd "the refusal took $(( (t1 - t0) / 1000000 )) ms"
  assert_dir_empty "$out"
}

# forecast: a 0.3 m grid over Camden (5.3e8 cells) is refused before it is allocated: under a 1 GB address
# space an attempt would fail with "out of memory" instead
# (a sanitizer build cannot start under such a cap: it then runs uncapped and the message alone is checked)
cap=1000000
(ulimit -v $cap; "$SAFEMAP" --version) > /dev/null 2>&1 || cap=unlimited
(ulimit -v $cap 2> /dev/null; "$SAFEMAP" forecast "$POINTS" --at 2025-03 --cell 0.3 -o "$out/x.tif") > "$WORKDIR/f.out" 2> "$WORKDIR/f.err" && fail "forecast --cell 0.3 exited 0"
grep -q "a 24860 x 21401 grid of 0.3 m cells (5.32e8 cells, 4.3 GB of doubles) is more than the limit of 4e8 cells: use a larger --cell" "$WORKDIR/f.err" || fail "forecast --cell 0.3: $(cat "$WORKDIR/f.err")"
assert_dir_empty "$out"
refused cells forecast "$POINTS" --at 2025-03 --cell 200 --limit cells=500 -o "$out/x.tif"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --at 2025-03 --cell 200 --limit cells=1300 -o "$out/x.tif" -q
clean_dir "$out"

# forecast --backtest over dates from 1800 to 2024: 2,688 steps x 3 surfaces x 16,800 cells, refused at once
# (it ran for minutes, writing rows of empty scores)
awk 'BEGIN { srand(1); print "x,y,date"; for (i = 0; i < 3000; i++)
  printf "%.1f,%.1f,%04d-%02d-%02d\n", 524000 + 7000 * rand(), 181000 + 6000 * rand(), 1800 + int(225 * rand()), 1 + int(12 * rand()), 1 + int(28 * rand()) }' > "$WORKDIR/centuries.csv"
refused bins forecast "$WORKDIR/centuries.csv" --x x --y y --time date --crs EPSG:27700 --backtest -o "$out/bt.csv"
assert_stderr_contains " x 3 surfaces of 140 x 120 cells"
refused bins forecast "$POINTS" --backtest --cell 200 --limit bins=10000 -o "$out/bt.csv"
assert_exit 0 "$SAFEMAP" forecast "$POINTS" --backtest --cell 200 --limit bins=1e6 -o "$out/bt.csv" -q
clean_dir "$out"
refused steps forecast "$POINTS" --backtest --limit steps=30 -o "$out/bt.csv"

# kde: the grid's cells
refused cells kde "$POINTS" --bandwidth 500 --cell 100 --limit cells=1000 -o "$out/k.tif"
assert_stderr_contains "grid ("
assert_exit 0 "$SAFEMAP" kde "$POINTS" --bandwidth 500 --cell 100 --limit cells=1e4 -o "$out/k.tif" -q
clean_dir "$out"

# count counts into the wards (nothing it builds grows with an option); --limit is accepted
assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" --limit cells=1 -o "$out/c.csv" -q
clean_dir "$out"
# hotspots and emerging on a fishnet or hexagons: their cells
refused units hotspots "$POINTS" --grid fishnet --cell 200 --band 400 --limit units=100 -o "$out/h.csv"
assert_stderr_contains "fishnet ("
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --grid fishnet --cell 200 --band 400 --limit units=1300 -o "$out/h.csv" -q
clean_dir "$out"
refused units emerging "$POINTS" --grid fishnet --cell 200 --band 400 --limit units=100 -o "$out/e.csv"
refused units hotspots "$POINTS" --grid hexagon --cell 200 --band 400 --limit units=100 -o "$out/h.csv"
assert_stderr_contains "hexagon grid ("
refused permutations hotspots "$POINTS" --wards "$WARDS" --permutations 99 --limit permutations=1000 -o "$out/h.csv"
assert_stderr_contains "99 permutations x 20 units"
assert_exit 0 "$SAFEMAP" hotspots "$POINTS" --wards "$WARDS" --permutations 99 --limit permutations=1e4 -o "$out/h.csv" -q
clean_dir "$out"

# emerging: the cube's steps and places x steps, the permutations' space-time links
refused steps emerging "$POINTS" --wards "$WARDS" --bin month --limit steps=30 -o "$out/e.csv"
refused bins emerging "$POINTS" --wards "$WARDS" --bin month --limit bins=500 -o "$out/e.csv"
assert_stderr_contains "a space-time cube of 20 places x 36 steps"
refused pairs emerging "$POINTS" --wards "$WARDS" --bin month --permutations 9 --limit pairs=1000 -o "$out/e.csv"
assert_exit 0 "$SAFEMAP" emerging "$POINTS" --wards "$WARDS" --bin month --limit steps=36 --limit bins=720 -o "$out/e.csv" -q
clean_dir "$out"

# nearrepeat: close pairs, permutations x pairs
nr=(nearrepeat "$POINTS" --space-bands 0,100,200 --time-bands 0,1,2 --time-unit month --permutations 19)
refused pairs "${nr[@]}" --limit pairs=1000 -o "$out/n.csv"
refused permutations "${nr[@]}" --limit permutations=1000 -o "$out/n.csv"
assert_exit 0 "$SAFEMAP" "${nr[@]}" --limit pairs=1e7 --limit permutations=1e9 -o "$out/n.csv" -q
clean_dir "$out"

# scan: the cube, circle entries, replications x entries
sc=(scan "$POINTS" --wards "$WARDS" --permutations 99)
refused steps "${sc[@]}" --limit steps=12 -o "$out/s.csv"
refused circles "${sc[@]}" --limit circles=20 -o "$out/s.csv"
refused permutations "${sc[@]}" --limit permutations=1000 -o "$out/s.csv"
assert_exit 0 "$SAFEMAP" "${sc[@]}" --limit circles=1e4 --limit permutations=1e7 -o "$out/s.csv" -q
clean_dir "$out"

# --limit itself
assert_exit 1 "$SAFEMAP" kde "$POINTS" --limit cels=5 -o "$out/k.tif"
assert_stderr_contains "--limit"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --limit cells=-1 -o "$out/k.tif"
assert_exit 1 "$SAFEMAP" kde "$POINTS" --limit cells -o "$out/k.tif"
assert_dir_empty "$out"

# ---- no inf or NaN written with exit 0
awk 'BEGIN { srand(2); print "x,y,date,w"; for (i = 0; i < 300; i++)
  printf "%.1f,%.1f,2024-%02d-%02d,1e308\n", 524000 + 7000 * rand(), 181000 + 6000 * rand(), 1 + int(12 * rand()), 1 + int(28 * rand()) }' > "$WORKDIR/huge.csv"
huge=("$WORKDIR/huge.csv" --x x --y y --time date --crs EPSG:27700 --weight w)
assert_exit 1 "$SAFEMAP" kde "${huge[@]}" --bandwidth 500 -o "$out/k.tif"
assert_stderr_contains "the weights (--weight) add up to more than a number can hold"
assert_exit 1 "$SAFEMAP" hotspots "${huge[@]}" --grid fishnet --cell 500 --band 800 -o "$out/h.csv"
assert_stderr_contains "non-finite value"
assert_exit 1 "$SAFEMAP" emerging "${huge[@]}" --grid fishnet --cell 500 --band 800 -o "$out/e.csv"
assert_stderr_contains "non-finite value"
assert_exit 1 "$SAFEMAP" scan "${huge[@]}" --wards "$WARDS" -o "$out/s.csv"
assert_stderr_contains "is not a whole number"
assert_dir_empty "$out"
# two sets whose densities never meet: a log ratio with no value is refused, a ratio of zeros warns
awk 'BEGIN { print "x,y"; for (i = 0; i < 20; i++) printf "%d,183%03d\n", 524000 + 20 * i, 10 * i }' > "$WORKDIR/a.csv"
awk 'BEGIN { print "x,y"; for (i = 0; i < 20; i++) printf "%d,183%03d\n", 530000 + 20 * i, 10 * i }' > "$WORKDIR/b.csv"
assert_exit 1 "$SAFEMAP" kde "$WORKDIR/a.csv" --x x --y y --crs EPSG:27700 --compare "$WORKDIR/b.csv" --dual log-ratio --bandwidth 300 -o "$out/d.tif"
assert_stderr_contains "no cell of the dual surface has a value"
assert_dir_empty "$out"
assert_exit 0 "$SAFEMAP" kde "$WORKDIR/a.csv" --x x --y y --crs EPSG:27700 --compare "$WORKDIR/b.csv" --dual ratio --bandwidth 300 -o "$out/d.tif"
assert_stderr_contains "warning: the ratio is 0 wherever it has a value"
gdalinfo "$out/d.tif" 2> /dev/null | grep -q "warnings=the ratio is 0" || fail "the ratio's warning is not in the GeoTIFF's metadata"
clean_dir "$out"
# a back-test month without incidents: no row of empty scores, a warning
{ echo "x,y,date"; for m in 01 02 03 04 05 06 07 08 09 10 11 12 13 15; do
    mm=$m; y=2023; [ "$m" -gt 12 ] && mm=$(printf "%02d" $((m - 12))) && y=2024
    for i in 1 2 3 4 5; do echo "$((527000 + 40 * i)),$((183000 + 30 * i)),$y-$mm-1$i"; done; done; } > "$WORKDIR/gap.csv"
assert_exit 0 "$SAFEMAP" forecast "$WORKDIR/gap.csv" --x x --y y --time date --crs EPSG:27700 --backtest -o "$out/bt.csv"
assert_stderr_contains "1 of the 3 steps after the warm-up have no incident on the grid"
grep -q "2024-02" "$out/bt.csv" && fail "the empty month 2024-02 has rows"
[ "$(grep -c ',,' "$out/bt.csv")" -eq 0 ] || fail "the back-test has rows with empty scores"
# started by a launcher as one of several ranks, on a build without MPI (or, with MPI, by a launcher this
# MPI does not know, so that MPI sees one rank): refused, nothing written
if "$SAFEMAP" --version | grep -q "MPI off"; then
  want="this safemap was built without MPI, but it was started as one of 2 ranks"
else
  want="but MPI sees 1: the launcher is not the one of the MPI this safemap was built with"
fi
for var in OMPI_COMM_WORLD_SIZE PMI_SIZE SLURM_STEP_NUM_TASKS; do
  assert_exit 1 env "$var=2" "$SAFEMAP" kde "$SRCDIR/data/police/camden_burglary" --bandwidth 250 -o "$out/mpi.tif"
  assert_error_line kde "started as one of 2 ranks ($var=2)"
  assert_error_line kde "$want"
  assert_no_file "$out/mpi.tif"
done
assert_exit 0 env OMPI_COMM_WORLD_SIZE=1 "$SAFEMAP" info "$SRCDIR/data/police/camden_burglary"
# the points themselves over the memory limit: refused while reading, before the arrays grow past it
assert_exit 1 "$SAFEMAP" kde "$SRCDIR/data/police/camden_burglary" --bandwidth 250 --memory-limit 100K -o "$out/mem.tif"
assert_error_line kde "holding the points ("
assert_stderr_contains "more than the memory limit of 100 KiB: read fewer (--from/--to, --type, --extent or fewer files)"
assert_no_file "$out/mem.tif"
finish
