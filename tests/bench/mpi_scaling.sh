#!/usr/bin/env bash
# MPI scaling: each heavy command as one process (1 and 2 threads) and as 1 and 2 ranks of mpirun (one thread
# each), median wall time of RUNS runs, and the phases of one run at -v -v (reading, the shared work, waiting
# for the other ranks, gathering, writing), for the model in tests/bench/README.md ("MPI: where the time goes").
# Every MPI output is compared with the one process's (cmp): a difference fails the script.
#
# usage: tests/bench/mpi_scaling.sh [--runs N] [--national DIR] [--only scan,nearrepeat,kde,hotspots]
#   SAFEMAP: the program (default build-rel/cli/safemap, a Release build with MPI)
#   --national DIR: gen_national's output (kde at 25 m and hotspots on the 100 m fishnet over it)
# Run it on a quiet machine: it takes the cores.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
SAFEMAP="${SAFEMAP:-$REPO_ROOT/build-rel/cli/safemap}"
RUNS=3 NATIONAL="" ONLY="scan,nearrepeat,hotspots,kde"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --national) NATIONAL=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 1 ;;
  esac
done
"$SAFEMAP" --version | grep -q "MPI off" && { echo "$SAFEMAP was built without MPI" >&2; exit 1; }
SCRATCH="$REPO_ROOT/build/bench/mpi"
mkdir -p "$SCRATCH"
MPI=(mpirun --mca btl self,vader --bind-to core)
[ "$(id -u)" -eq 0 ] && MPI+=(--allow-run-as-root)

# 100,000 dated incidents in a 50 km box (as run.sh's scan and nearrepeat entries), 199 replications rather than
# 999 so that the 14 runs of each take minutes, not half an hour (the time is linear in them)
GEN="$SCRATCH/gen_incidents"
[ -x "$GEN" ] || cc -std=c11 -O2 -o "$GEN" "$REPO_ROOT/tests/bench/gen_incidents.c" -lm
DATED="$SCRATCH/dated_100k.csv"
[ -s "$DATED" ] || "$GEN" -n 100000 --seed 1 --bng-box 505000,155000,555000,205000 --dates 1 -o "$DATED"
XY=(--x X --y Y --crs EPSG:27700)

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
# timed_runs LABEL OUT CMD...: RUNS runs, the median wall time in $MED; the last run's output kept as OUT
timed_runs() {
  local label=$1 out=$2; shift 2
  for ((i = 0; i < RUNS; i++)); do
    rm -f "$out"
    /usr/bin/time -o "$SCRATCH/t" -f "%e" "$@" -o "$out" --overwrite -q > /dev/null 2>&1 || { echo "FAIL: $*" >&2; exit 1; }
    tail -n 1 "$SCRATCH/t"
  done | median > "$SCRATCH/med"
  MED=$(cat "$SCRATCH/med")
  printf '%-34s %8s s\n' "$label" "$MED"
}
ROWS=()
# bench NAME EXT ARGS...: one process -j1, -j2; 1 rank, 2 ranks (1 thread each); phases from -v -v at 2 ranks
bench() {
  local name=$1 ext=$2; shift 2
  local o="$SCRATCH/$name"
  timed_runs "$name one process, 1 thread" "$o.p1.$ext" "$SAFEMAP" "$@" -j 1; local p1=$MED
  timed_runs "$name one process, 2 threads" "$o.p2.$ext" "$SAFEMAP" "$@" -j 2; local p2=$MED
  timed_runs "$name mpirun -np 1" "$o.r1.$ext" "${MPI[@]}" -np 1 "$SAFEMAP" "$@" -j 1; local r1=$MED
  timed_runs "$name mpirun -np 2" "$o.r2.$ext" "${MPI[@]}" -np 2 "$SAFEMAP" "$@" -j 1; local r2=$MED
  for f in "$o.p2.$ext" "$o.r1.$ext" "$o.r2.$ext"; do
    cmp -s "$o.p1.$ext" "$f" || { echo "FAIL: $f differs from $o.p1.$ext" >&2; exit 1; }
  done
  "${MPI[@]}" -np 2 "$SAFEMAP" "$@" -j 1 -o "$o.v.$ext" --overwrite -v -v 2> "$o.np2.log" > /dev/null
  "$SAFEMAP" "$@" -j 1 -o "$o.v.$ext" --overwrite -v -v 2> "$o.np1.log" > /dev/null
  ROWS+=("| $name | $p1 | $p2 | $r1 | $r2 | $(awk -v a="$r1" -v b="$r2" 'BEGIN { printf "%.2f", a / b }') |")
  echo "  phases (one process, then rank 0 of 2): $o.np1.log $o.np2.log"
  grep -h "debug: \(read\|scan:\|Knox\|bands\|kernel sums\|hotspots\|permutations\)" "$o.np1.log" "$o.np2.log" | sed 's/^/    /'
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
case ",$ONLY," in *,scan,*)
  bench scan csv scan "$DATED" "${XY[@]}" --time Date --grid fishnet --cell 500 --bin week --max-radius 1050 \
    --permutations 199 --seed 1 ;; esac
case ",$ONLY," in *,nearrepeat,*)
  bench nearrepeat csv nearrepeat "$DATED" "${XY[@]}" --time Date --space-bands 0,100,200,300,400,500,600,700,800,900,1000 \
    --time-bands 0,7,14,21,28,35,42,49,56,63,70 --permutations 199 --seed 1 ;; esac
case ",$ONLY," in *,hotspots,*)
  bench hotspots csv hotspots "$DATED" "${XY[@]}" --grid fishnet --cell 100 --band 250 --permutations 199 --seed 1
  [ -n "$NATIONAL" ] && bench hotspots_national tif hotspots "$NATIONAL" --grid fishnet --cell 100 --band 250 \
    --permutations 99 --seed 1 --memory-limit 8G ;; esac
case ",$ONLY," in *,kde,*)
  bench kde tif kde "$DATED" "${XY[@]}" --bandwidth 250 --cell 10 --band-rows 512
  [ -n "$NATIONAL" ] && bench kde_national tif kde "$NATIONAL" --bandwidth 250 --cell 25 --limit cells=6e8 \
    --memory-limit 8G ;; esac
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| run | one process, 1 thread (s) | one process, 2 threads (s) | 1 rank (s) | 2 ranks, 1 thread each (s) | 1 rank / 2 ranks |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
