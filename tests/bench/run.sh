#!/usr/bin/env bash
# safemap benchmark harness: runs safemap beside peer tools on the same
# inputs and prints one table (wall time, peak RSS, ratio, agreement).
# Not part of the test suite. See tests/bench/README.md.
#
# usage: tests/bench/run.sh [--sizes 10k,100k,1M] [--only count,kde,hotspots,emerging,nearrepeat,scan,audit,tiles,python]
#                           [--safemap PATH] [--threads N] [--seed N]
#                           [--runs N] [--scratch DIR] [--wards GPKG]
#                           [--slow-peers] [--unsnapped] [--list]
#
#   --sizes    input sizes (rows of synthetic incidents); k and M suffixes
#              (audit: crimes; 1M = London size, 27 x 27 km of streets)
#   --only     run only these entries (comma-separated; see --list)
#   --safemap  safemap binary (default: build/cli/safemap under the repo root)
#   --threads  pass -j N to safemap (peers run as they do by default)
#   --seed     generator seed (default 42)
#   --runs     run each command N times and report the median wall time
#              (peak RSS is the largest seen); default 1
#   --scratch  work directory (default: build/bench under the repo root);
#              inputs are cached there by size, seed and generator version
#   --wards    London 2024 wards GeoPackage (default: found under data/ or
#              shared/data/wards/london_wards_2024_bgc.gpkg)
#   --slow-peers  also run peers where they take minutes (hotspots: spdep on
#              the London fishnet with nsim 9 and 99, extrapolated to 999)
#   --unsnapped  X,Y inputs (kde, hotspots) not snapped to police.uk-like
#              map points: nearly every row its own location (gen_incidents
#              --snap 0), as geocoded addresses give
#   --list     list the entries and exit
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd -- "$SCRIPT_DIR/../.." && pwd)

# ---------------------------------------------------------------- options

SIZES="10k,100k,1M"
ONLY=""
SAFEMAP="$REPO_ROOT/build/cli/safemap"
THREADS=""
SEED=42
RUNS=1
SNAP=1
SCRATCH="$REPO_ROOT/build/bench"

# Every entry is a function entry_<name> SIZE, listed here in run order.
ENTRIES=(count kde hotspots emerging nearrepeat scan audit tiles python)

# kde: the 20 km x 20 km box (British National Grid metres) the points are
# generated in, the quartic radius and the cell size. spatstat's sigma for
# a quartic of support radius r is r / sqrt(8).
KDE_BOX="520000,170000,540000,190000"
KDE_RADIUS=250
KDE_CELL=10
KDE_SIGMA=88.38834764831844
RSCRIPT="/usr/bin/Rscript"

# hotspots: Getis-Ord Gi* on square fishnets of HS_CELL m cells, binary
# distance-band weights (each cell its own neighbour), beside spdep.
#  p99:    200 x 200 cells over KDE_BOX (points from input_bng_csv), band
#          HS_BAND, HS_NSIM permutations (spdep localG_perm)
#  a250k:  500 x 500 cells over HS_BOX50 (points generated in that box),
#          band HS_BAND, analytic (spdep localG)
#  london: the wards' extent, cells whose centre is in a ward (--wards), band
#          HS_LONDON_BAND, HS_LONDON_NSIM permutations, the London-wide
#          points (input_csv, lon/lat); safemap only, unless --slow-peers:
#          spdep with nsim HS_LONDON_SPDEP_NSIM, its time extrapolated
HS_CELL=100
HS_BAND=250
HS_NSIM=99
HS_BOX50="505000,155000,555000,205000"
HS_LONDON_BAND=400
HS_LONDON_NSIM=999
HS_LONDON_SPDEP_NSIM="9,99"
SLOW_PEERS=0

# emerging: emerging hot spots on the London fishnet (EM_CELL m cells over the
# wards' extent, cells whose centre is in a ward, those with an incident),
# monthly steps (EM_STEPS of them in the generated data), band EM_BAND, time
# lag EM_LAG, the London-wide points (input_csv); beside an R pipeline on the
# same cube (emerging_spdep.R: spdep localG per month + base R Mann-Kendall).
EM_CELL=100
EM_BAND=250
EM_LAG=1
EM_STEPS=36

# nearrepeat: Knox test on dated incidents (input_dated_csv: the 50 km box
# HS_BOX50, a Date column over the 52 weeks of 2024, 10% near repeats), 10
# spatial bands of NR_SPACE m and 10 temporal bands of NR_TIME days (plus
# safemap's "same location" row and the "beyond" row and column), Manhattan
# distance, [a, b), NR_NSIM permutations; beside knox_R.R (plain R: dbscan
# frNN + findInterval + sample) with NR_R_NSIM permutations, its permutation
# time extrapolated linearly to NR_NSIM when fewer (row marked ESTIMATE).
NR_SPACE="0,100,200,300,400,500,600,700,800,900,1000"
NR_TIME="0,7,14,21,28,35,42,49,56,63,70"
NR_NSIM=999
NR_R_NSIM=49
NR_PKG_NSIM=3
NR_PKG_MAX_N=20000

# scan: space-time permutation scan on the same dated incidents, SC_CELL m
# fishnet cells, weekly bins, circles up to SC_RADIUS m (not a lattice
# distance of the cell centres, so both tools take the same circles), windows
# up to half the year, SC_NSIM replications; beside scan_R.R (the same scan in
# plain R on the same cube, written by `safemap emerging`), which runs
# SC_R_NSIM replications: its replication time is extrapolated linearly to
# SC_NSIM (row marked ESTIMATE).
SC_CELL=500
SC_RADIUS=1050
SC_NSIM=999
SC_R_NSIM=5

# London wards, December 2024 (684, EPSG:27700, code WD24CD): the first of
# these that exists, unless --wards is given.
WARDS=""
WARDS_CANDIDATES=(
    "$REPO_ROOT/data/wards/london_wards_2024_bgc.gpkg"
    "$REPO_ROOT/../shared/data/wards/london_wards_2024_bgc.gpkg"
    "/work/shared/data/wards/london_wards_2024_bgc.gpkg"
)
WARDS_ID="WD24CD"
QGIS_PROCESS="/usr/bin/qgis_process.bin"
GNU_TIME="/usr/bin/time"
PY="/usr/bin/python3"

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }
die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "[bench] $*" >&2; }

while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES=${2:?--sizes needs a value}; shift 2 ;;
        --sizes=*) SIZES=${1#*=}; shift ;;
        --only) ONLY=${2:?--only needs a value}; shift 2 ;;
        --only=*) ONLY=${1#*=}; shift ;;
        --safemap) SAFEMAP=${2:?--safemap needs a value}; shift 2 ;;
        --safemap=*) SAFEMAP=${1#*=}; shift ;;
        --threads|-j) THREADS=${2:?--threads needs a value}; shift 2 ;;
        --threads=*) THREADS=${1#*=}; shift ;;
        --seed) SEED=${2:?--seed needs a value}; shift 2 ;;
        --seed=*) SEED=${1#*=}; shift ;;
        --runs) RUNS=${2:?--runs needs a value}; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --scratch) SCRATCH=${2:?--scratch needs a value}; shift 2 ;;
        --scratch=*) SCRATCH=${1#*=}; shift ;;
        --wards) WARDS=${2:?--wards needs a value}; shift 2 ;;
        --wards=*) WARDS=${1#*=}; shift ;;
        --slow-peers) SLOW_PEERS=1; shift ;;
        --unsnapped) SNAP=0; shift ;;
        --list) printf '%s\n' "${ENTRIES[@]}"; exit 0 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; die "unknown option '$1'" ;;
    esac
done

[[ "$SEED" =~ ^[0-9]+$ ]] || die "--seed must be a non-negative integer, not '$SEED'"
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer, not '$RUNS'"
[ -z "$THREADS" ] || [[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer, not '$THREADS'"

IFS=',' read -r -a SIZE_LIST <<<"$SIZES"
[ "${#SIZE_LIST[@]}" -gt 0 ] || die "--sizes is empty"
for s in "${SIZE_LIST[@]}"; do
    [[ "$s" =~ ^[1-9][0-9]*[kKmM]?$ ]] || die "bad size '$s' (use e.g. 10k, 100k, 1M, 250000)"
done

if [ -n "$ONLY" ]; then
    IFS=',' read -r -a RUN_ENTRIES <<<"$ONLY"
    for e in "${RUN_ENTRIES[@]}"; do
        printf '%s\n' "${ENTRIES[@]}" | grep -qx -- "$e" || die "unknown entry '$e' (entries: ${ENTRIES[*]})"
    done
else
    RUN_ENTRIES=("${ENTRIES[@]}")
fi

case "$SAFEMAP" in /*) ;; *) SAFEMAP="$PWD/$SAFEMAP" ;; esac
case "$SCRATCH" in /*) ;; *) SCRATCH="$PWD/$SCRATCH" ;; esac
if [ -z "$WARDS" ]; then
    for w in "${WARDS_CANDIDATES[@]}"; do
        if [ -r "$w" ]; then WARDS="$(cd -- "$(dirname -- "$w")" && pwd)/$(basename -- "$w")"; break; fi
    done
    [ -n "$WARDS" ] || WARDS=${WARDS_CANDIDATES[-1]}
fi
case "$WARDS" in /*) ;; *) WARDS="$PWD/$WARDS" ;; esac

[ -x "$GNU_TIME" ] || die "GNU time ($GNU_TIME) is missing: run tests/bench/install_peers.sh"
command -v ogr2ogr >/dev/null || die "ogr2ogr is missing: run tests/bench/install_peers.sh"
[ -x "$PY" ] || die "$PY is missing"
command -v cc >/dev/null || die "no C compiler (cc)"

# ---------------------------------------------------------------- scratch + generator

mkdir -p "$SCRATCH"/{bin,data,out,logs}
GEN_SRC="$SCRIPT_DIR/gen_incidents.c"
GEN_VER=$(sha256sum "$GEN_SRC" | cut -c1-12)
GEN="$SCRATCH/bin/gen_incidents-$GEN_VER"
if [ ! -x "$GEN" ]; then
    log "building gen_incidents ($GEN_VER)"
    cc -std=c11 -O2 -o "$GEN.tmp" "$GEN_SRC" -lm
    mv -f "$GEN.tmp" "$GEN"
fi
DATA="$SCRATCH/data/$GEN_VER"
mkdir -p "$DATA"

# The floating-point peak of one core for each code path, measured once a run
# (roofline.c --peak: "peak PATH GFLOP/s" lines), for the kde entry's notes.
ROOF_SRC="$SCRIPT_DIR/roofline.c"
ROOF="$SCRATCH/bin/roofline-$(sha256sum "$ROOF_SRC" | cut -c1-12)"
PEAKS=""
measured_peaks() {
    if [ -z "$PEAKS" ]; then
        if [ ! -x "$ROOF" ]; then
            cc -std=c11 -O2 -fopenmp -o "$ROOF.tmp" "$ROOF_SRC" -lz 2>/dev/null && mv -f "$ROOF.tmp" "$ROOF"
        fi
        PEAKS=$([ -x "$ROOF" ] && "$ROOF" --peak 2>/dev/null || true)
        [ -n "$PEAKS" ] || PEAKS="none"
    fi
    return 0
}
# measured_peak PATH -> GFLOP/s of one core on that path ("" if not measured)
measured_peak() {
    measured_peaks
    awk -v p="$1" '$1 == "peak" && $2 == p { print $3 }' <<<"$PEAKS"
}

# size label -> number of rows
size_rows() {
    local s=$1 n
    case "$s" in
        *[kK]) n=$(( ${s%?} * 1000 )) ;;
        *[mM]) n=$(( ${s%?} * 1000000 )) ;;
        *) n=$s ;;
    esac
    echo "$n"
}

# input_csv SIZE -> path of the cached police.uk-format CSV
input_csv() {
    local size=$1 f
    f="$DATA/incidents_${size}_s${SEED}.csv"
    if [ ! -s "$f" ]; then
        log "generating $(size_rows "$size") incidents (seed $SEED) -> $f"
        "$GEN" -n "$(size_rows "$size")" --seed "$SEED" -o "$f.tmp"
        mv -f "$f.tmp" "$f"
    fi
    echo "$f"
}

# input_bng_csv SIZE [BOX] -> path of the cached CSV made with --bng-box BOX
# (default $KDE_BOX): the same model and columns, but X,Y in British National
# Grid metres and every point inside the box. Other boxes than $KDE_BOX have
# the box in the file name; --unsnapped inputs end in _nosnap.
input_bng_csv() {
    local size=$1 box=${2:-$KDE_BOX} f tag=""
    [ "$SNAP" -eq 1 ] || tag="_nosnap"
    if [ "$box" = "$KDE_BOX" ]; then
        f="$DATA/incidents_bng_${size}_s${SEED}${tag}.csv"
    else
        f="$DATA/incidents_bng_${box//,/_}_${size}_s${SEED}${tag}.csv"
    fi
    if [ ! -s "$f" ]; then
        log "generating $(size_rows "$size") incidents in the box $box (seed $SEED, snap $SNAP) -> $f"
        "$GEN" -n "$(size_rows "$size")" --seed "$SEED" --bng-box "$box" --snap "$SNAP" -o "$f.tmp"
        mv -f "$f.tmp" "$f"
    fi
    echo "$f"
}

# input_dated_csv SIZE -> path of the cached CSV made with --bng-box
# $HS_BOX50 --dates 1: X,Y in British National Grid metres and a Date column
# (YYYY-MM-DD, 52 weeks of 2024, about 10% near repeats of earlier rows).
input_dated_csv() {
    local size=$1 box=$HS_BOX50 f
    f="$DATA/incidents_bng_dated_${box//,/_}_${size}_s${SEED}.csv"
    if [ ! -s "$f" ]; then
        log "generating $(size_rows "$size") dated incidents in the box $box (seed $SEED) -> $f"
        "$GEN" -n "$(size_rows "$size")" --seed "$SEED" --bng-box "$box" --dates 1 -o "$f.tmp"
        mv -f "$f.tmp" "$f"
    fi
    echo "$f"
}

# input_gpkg SIZE -> path of the cached GeoPackage of the same points,
# layer `points`, EPSG:27700, all CSV columns kept as attributes.
input_gpkg() {
    local size=$1 csv f
    csv=$(input_csv "$size")
    f="$DATA/points_${size}_s${SEED}.gpkg"
    if [ ! -s "$f" ]; then
        log "converting to GeoPackage (EPSG:27700) -> $f"
        rm -f "$f.tmp.gpkg"
        ogr2ogr -f GPKG "$f.tmp.gpkg" "$csv" \
            -oo X_POSSIBLE_NAMES=Longitude -oo Y_POSSIBLE_NAMES=Latitude \
            -s_srs EPSG:4326 -t_srs EPSG:27700 -nln points -nlt POINT -gt 65536
        mv -f "$f.tmp.gpkg" "$f"
    fi
    echo "$f"
}

# ---------------------------------------------------------------- timing

# timed LOGNAME CMD... : runs CMD $RUNS times under GNU time, stdout+stderr
# to $SCRATCH/logs/LOGNAME.log. Sets T_WALL (s, median), T_RSS (MiB, max),
# T_RC (exit status of the last run; runs stop at the first failure).
timed() {
    local name=$1; shift
    local logf="$SCRATCH/logs/$name.log" tf="$SCRATCH/logs/$name.time"
    local walls=() rss_max=0 i t0 t1 rc rss
    : >"$logf"
    T_RC=0
    LOADS+=("$name $(cut -d' ' -f1 /proc/loadavg)")
    for ((i = 1; i <= RUNS; i++)); do
        t0=$(date +%s%N)
        rc=0
        "$GNU_TIME" -f '%M' -o "$tf" "$@" >>"$logf" 2>&1 || rc=$?
        t1=$(date +%s%N)
        walls+=("$(( (t1 - t0) / 1000000 ))")
        rss=$(tail -n 1 "$tf" 2>/dev/null || echo 0)
        [[ "$rss" =~ ^[0-9]+$ ]] || rss=0
        [ "$rss" -gt "$rss_max" ] && rss_max=$rss
        if [ "$rc" -ne 0 ]; then
            T_RC=$rc
            break
        fi
    done
    local med
    med=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}')
    T_WALL=$(awk -v ms="$med" 'BEGIN{printf "%.3f", ms/1000}')
    T_RSS=$(awk -v k="$rss_max" 'BEGIN{printf "%.1f", k/1024}')
}

# ---------------------------------------------------------------- table

ROWS=()
NOTES=() # lines printed under the table
LOADS=() # "logname load" before each timed command
# add_row ENTRY INPUT TOOL WALL RSS RATIO AGREE
add_row() {
    local IFS=$'\t'
    ROWS+=("$*")
}

ratio() { # ratio PEER_WALL SAFEMAP_WALL
    awk -v p="$1" -v s="$2" 'BEGIN{ if (s+0 > 0 && p+0 > 0) printf "%.2f", p/s; else print "-" }'
}

print_table() {
    local w_agree=5 r f
    for r in "${ROWS[@]}"; do
        IFS=$'\t' read -r -a f <<<"$r"
        [ "${#f[6]}" -gt "$w_agree" ] && w_agree=${#f[6]}
    done
    local fmt="%-8s %-22s %-16s %9s %9s %7s  %s\n"
    # shellcheck disable=SC2059
    printf "$fmt" entry input tool wall_s rss_MiB ratio agree
    # shellcheck disable=SC2059
    printf "$fmt" -------- ---------------------- ---------------- --------- --------- ------- "$(printf '%*s' "$w_agree" '' | tr ' ' -)"
    for r in "${ROWS[@]}"; do
        IFS=$'\t' read -r -a f <<<"$r"
        # shellcheck disable=SC2059
        printf "$fmt" "${f[@]}"
    done
    [ "${#NOTES[@]}" -eq 0 ] || printf '%s\n' "" "${NOTES[@]}"
    [ "${#LOADS[@]}" -eq 0 ] || printf '%s\n' "" "load average (1 min) before each timed command: $(IFS=,; echo "${LOADS[*]}" | sed 's/,/, /g')"
}

# ---------------------------------------------------------------- tools

have_safemap() { [ -x "$SAFEMAP" ]; }
have_qgis() { [ -x "$QGIS_PROCESS" ]; }
have_spdep() { [ -x "$RSCRIPT" ] && "$RSCRIPT" -e 'quit(status = !requireNamespace("spdep", quietly = TRUE))' >/dev/null 2>&1; }
have_spatstat() { [ -x "$RSCRIPT" ] && "$RSCRIPT" -e 'quit(status = !requireNamespace("spatstat.explore", quietly = TRUE))' >/dev/null 2>&1; }

# extra safemap arguments for --threads
SM_JOBS=()
[ -z "$THREADS" ] || SM_JOBS=(-j "$THREADS")

# Runs the safemap step of an entry: sets SM_WALL and SM_OK (1 if it ran
# and exited 0); adds the safemap row, its tool named $SM_TOOL (default
# "safemap"), with $SM_NOTE (if set) after "(reference" in its agree column.
run_safemap() { # run_safemap ENTRY INPUTLABEL LOGNAME ARGS...
    local entry=$1 input=$2 name=$3; shift 3
    local tool=${SM_TOOL:-safemap}
    SM_OK=0
    SM_WALL=""
    if ! have_safemap; then
        add_row "$entry" "$input" "$tool" - - - "not built ($SAFEMAP)"
        return 0
    fi
    log "$entry $input: safemap $*"
    timed "$name" "$SAFEMAP" "$@"
    if [ "$T_RC" -ne 0 ]; then
        add_row "$entry" "$input" "$tool" "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $SCRATCH/logs/$name.log)"
        return 0
    fi
    SM_OK=1
    SM_WALL=$T_WALL
    add_row "$entry" "$input" "$tool" "$T_WALL" "$T_RSS" 1.00 "(reference${SM_NOTE:+; $SM_NOTE})"
}

# One line about the CPU: model, cores, clock, AVX2/FMA, and a rough peak:
# cores x clock x doubles per vector x 2 FMA pipes (assumed) x 2 flops.
# `machine_peak core [LANES]` prints only the peak GFLOP/s of one core (with
# LANES doubles a vector: 2 SSE2, 4 AVX2, 8 AVX-512; default the widest).
machine_peak() {
    local model mhz flags lanes cores
    model=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
    mhz=$(lscpu | sed -n 's/^CPU max MHz: *//p' | head -n 1)
    [ -n "$mhz" ] || mhz=$(sed -n 's/^cpu MHz[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
    flags=$(sed -n 's/^flags[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
    cores=$(nproc)
    lanes=2
    grep -qw avx2 <<<"$flags" && lanes=4
    grep -qw avx512f <<<"$flags" && lanes=8
    if [ "${1:-}" = core ]; then
        [ -z "${2:-}" ] || lanes=$2
        awk -v f="$mhz" -v l="$lanes" 'BEGIN{ printf "%.2f", f / 1000 * l * 4 }'
        return 0
    fi
    awk -v m="$model" -v f="$mhz" -v c="$cores" -v l="$lanes" \
        -v a="$(grep -qw avx2 <<<"$flags" && echo yes || echo no)" \
        -v b="$(grep -qw fma <<<"$flags" && echo yes || echo no)" \
        -v x="$(grep -qw avx512f <<<"$flags" && echo yes || echo no)" 'BEGIN{
        printf "%s, %d cores at %.0f MHz, AVX2 %s, FMA %s, AVX-512 %s; rough peak %d x %.2f GHz x %d doubles x 2 FMA pipes = %.1f G FMA/s = %.0f GFLOP/s double (%.0f per core)",
            m, c, f, a, b, x, c, f / 1000, l, c * f / 1000 * l * 2, c * f / 1000 * l * 4, f / 1000 * l * 4 }'
}

# median of the numbers on stdin ("-" if none)
median() { sort -g | awk '{a[NR]=$1} END{ if (NR) print a[int((NR+1)/2)]; else print "-" }'; }

# ---------------------------------------------------------------- entries

# entry count: `safemap count` vs QGIS native:countpointsinpolygon, both
# reading the same GeoPackage of points (EPSG:27700) and the 684 London
# 2024 wards; agreement = per-ward counts joined on the ward code.
entry_count() {
    local size=$1 pts input sm_out qg_out
    [ -r "$WARDS" ] || { add_row count "$size" - - - - "wards missing: $WARDS"; return 0; }
    pts=$(input_gpkg "$size")
    input="${size} pts x 684 wards"
    sm_out="$SCRATCH/out/count_${size}_safemap.gpkg"
    qg_out="$SCRATCH/out/count_${size}_qgis.gpkg"
    rm -f "$sm_out" "$qg_out"

    run_safemap count "$input" "count_${size}_safemap" \
        count "$pts" --wards "$WARDS" -o "$sm_out" --overwrite -q "${SM_JOBS[@]}"

    if ! have_qgis; then
        add_row count "$input" qgis_process - - - "not installed (tests/bench/install_peers.sh)"
        return 0
    fi
    log "count $input: qgis_process native:countpointsinpolygon"
    timed "count_${size}_qgis" "$QGIS_PROCESS" run native:countpointsinpolygon \
        --POLYGONS="$WARDS" --POINTS="$pts" --FIELD=NUMPOINTS --OUTPUT="$qg_out"
    if [ "$T_RC" -ne 0 ] || [ ! -s "$qg_out" ]; then
        add_row count "$input" qgis_process "$T_WALL" "$T_RSS" - \
            "FAILED exit $T_RC (log: $SCRATCH/logs/count_${size}_qgis.log)"
        return 0
    fi
    local agree="-" r="-"
    if [ "$SM_OK" -eq 1 ]; then
        r=$(ratio "$T_WALL" "$SM_WALL")
        agree=$("$PY" "$SCRIPT_DIR/compare_counts.py" "$sm_out" "$qg_out" \
            --id-field "$WARDS_ID" --count-field NUMPOINTS \
            --diff-csv "$SCRATCH/out/count_${size}_diff.csv" 2>>"$SCRATCH/logs/count_${size}_compare.log") ||
            agree="compare failed (log: $SCRATCH/logs/count_${size}_compare.log)"
    fi
    add_row count "$input" qgis_process "$T_WALL" "$T_RSS" "$r" "$agree"
}

# entry kde: kernel density, 10 m cells over the 20 km x 20 km box, quartic
# kernel of radius 250 m, all three tools reading the same CSV (X,Y in
# EPSG:27700). safemap --convention qgis-raw vs QGIS Heatmap (Raw), and
# safemap --convention spatstat vs spatstat density.ppp (FFT), each compared
# cell by cell (compare_kde.py). Also notes safemap's kernel evaluations per
# second per core (from -vv) beside the machine's peak.
entry_kde() {
    local size=$1 csv input box_xmin box_ymin box_xmax box_ymax nx ny
    csv=$(input_bng_csv "$size")
    input="${size} pts r${KDE_RADIUS} ${KDE_CELL}m"
    [ "$SNAP" -eq 1 ] || input="${size} unsnapped r${KDE_RADIUS} ${KDE_CELL}m"
    IFS=',' read -r box_xmin box_ymin box_xmax box_ymax <<<"$KDE_BOX"
    nx=$(( (box_xmax - box_xmin) / KDE_CELL ))
    ny=$(( (box_ymax - box_ymin) / KDE_CELL ))
    local out="$SCRATCH/out" logs="$SCRATCH/logs"
    local sm_q="$out/kde_${size}_safemap_qgisraw.tif" qg_out="$out/kde_${size}_qgis.tif"
    local sm_s="$out/kde_${size}_safemap_spatstat.tif" ss_out="$out/kde_${size}_spatstat.f64"
    local model_csv="$out/kde_${size}_qgis_model.csv" model_tif="$out/kde_${size}_qgis_model.tif"
    local smodel_csv="$out/kde_${size}_spatstat_model.csv" smodel_tif="$out/kde_${size}_spatstat_model.tif"
    rm -f "$sm_q" "$qg_out" "$sm_s" "$ss_out" "$model_csv" "$model_tif" "$smodel_csv" "$smodel_tif"
    local sm_common=("$csv" --x X --y Y --crs EPSG:27700 --kernel quartic --cell "$KDE_CELL")
    local agree r sm_q_ok=0 sm_q_wall="" sm_s_ok=0 sm_s_wall=""

    # --- safemap, QGIS's convention (grid: the points' extent grown by the radius)
    SM_TOOL="safemap qgis-raw" run_safemap kde "$input" "kde_${size}_safemap_qgisraw" \
        kde "${sm_common[@]}" --convention qgis-raw --bandwidth "$KDE_RADIUS" \
        -o "$sm_q" --overwrite -q "${SM_JOBS[@]}"
    sm_q_ok=$SM_OK sm_q_wall=$SM_WALL

    # --- QGIS Heatmap, reading the CSV through the delimited text provider
    if ! have_qgis; then
        add_row kde "$input" qgis_process - - - "not installed (tests/bench/install_peers.sh)"
    else
        local uri
        uri="delimitedtext://file://$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$csv")"
        uri+="?type=csv&xField=X&yField=Y&crs=EPSG:27700&spatialIndex=no&subsetIndex=no&watchFile=no"
        log "kde $input: qgis_process qgis:heatmapkerneldensityestimation"
        timed "kde_${size}_qgis" "$QGIS_PROCESS" run qgis:heatmapkerneldensityestimation \
            --INPUT="$uri" --RADIUS="$KDE_RADIUS" --PIXEL_SIZE="$KDE_CELL" --KERNEL=0 --OUTPUT_VALUE=0 \
            --OUTPUT="$qg_out"
        if [ "$T_RC" -ne 0 ] || [ ! -s "$qg_out" ]; then
            add_row kde "$input" qgis_process "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/kde_${size}_qgis.log)"
        else
            agree="-" r="-"
            if [ "$sm_q_ok" -eq 1 ]; then
                r=$(ratio "$T_WALL" "$sm_q_wall")
                # safemap's exact surface of the points moved the way QGIS
                # moves them, on QGIS's grid (not timed)
                local model_extent="" mline
                if mline=$("$PY" "$SCRIPT_DIR/compare_kde.py" qgis-model "$csv" "$model_csv" \
                    --radius "$KDE_RADIUS" --cell "$KDE_CELL" 2>>"$logs/kde_${size}_compare.log"); then
                    model_extent=${mline%% *}
                    NOTES+=("kde $size: QGIS 3.22 moves each point vertically by $(echo "$mline" | awk '{print $2 ".." $3}') cells (its row rounding; see README)")
                    "$SAFEMAP" kde "$model_csv" --x X --y Y --crs EPSG:27700 --kernel quartic --cell "$KDE_CELL" \
                        --convention qgis-raw --bandwidth "$KDE_RADIUS" --extent "$model_extent" --float64 \
                        -o "$model_tif" --overwrite -q "${SM_JOBS[@]}" >>"$logs/kde_${size}_compare.log" 2>&1 || rm -f "$model_tif"
                fi
                local model_args=()
                if [ -s "$model_tif" ]; then model_args=(--model "$model_tif"); fi
                agree=$("$PY" "$SCRIPT_DIR/compare_kde.py" qgis "$sm_q" "$qg_out" "${model_args[@]}" \
                    --diff-csv "$out/kde_${size}_qgis_diff.csv" 2>>"$logs/kde_${size}_compare.log") ||
                    agree="compare failed (log: $logs/kde_${size}_compare.log)"
            fi
            add_row kde "$input" qgis_process "$T_WALL" "$T_RSS" "$r" "$agree"
        fi
    fi

    # --- safemap, spatstat's convention on the box's 2000 x 2000 grid
    SM_TOOL="safemap spatstat" run_safemap kde "$input" "kde_${size}_safemap_spatstat" \
        kde "${sm_common[@]}" --convention spatstat --bandwidth "$KDE_SIGMA" --extent "$KDE_BOX" \
        -o "$sm_s" --overwrite -q "${SM_JOBS[@]}"
    sm_s_ok=$SM_OK sm_s_wall=$SM_WALL

    # --- spatstat density.ppp (FFT), Rscript start-up and reading included
    if ! have_spatstat; then
        add_row kde "$input" spatstat - - - "not installed (tests/bench/install_peers.sh)"
    else
        log "kde $input: Rscript kde_spatstat.R (density.ppp)"
        timed "kde_${size}_spatstat" "$RSCRIPT" "$SCRIPT_DIR/kde_spatstat.R" "$csv" "$ss_out" \
            "$KDE_BOX" "$KDE_SIGMA" "$nx" "$ny"
        if [ "$T_RC" -ne 0 ] || [ ! -s "$ss_out" ]; then
            add_row kde "$input" spatstat "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/kde_${size}_spatstat.log)"
        else
            agree="-" r="-"
            if [ "$sm_s_ok" -eq 1 ]; then
                r=$(ratio "$T_WALL" "$sm_s_wall")
                # safemap's exact surface of the points moved to their pixel
                # centres, as the FFT does (not timed)
                local smline smodel_args=()
                if smline=$("$PY" "$SCRIPT_DIR/compare_kde.py" spatstat-model "$csv" "$smodel_csv" \
                    --box "$KDE_BOX" --nx "$nx" --ny "$ny" 2>>"$logs/kde_${size}_compare.log"); then
                    NOTES+=("kde $size: spatstat's FFT moves each point to its pixel centre: up to $(echo "$smline" | awk '{print $1 " m, " $2 " m on average"}')")
                    "$SAFEMAP" kde "$smodel_csv" --x X --y Y --crs EPSG:27700 --kernel quartic --cell "$KDE_CELL" \
                        --convention spatstat --bandwidth "$KDE_SIGMA" --extent "$KDE_BOX" --float64 \
                        -o "$smodel_tif" --overwrite -q "${SM_JOBS[@]}" >>"$logs/kde_${size}_compare.log" 2>&1 || rm -f "$smodel_tif"
                    if [ -s "$smodel_tif" ]; then smodel_args=(--model "$smodel_tif"); fi
                fi
                agree=$("$PY" "$SCRIPT_DIR/compare_kde.py" spatstat "$sm_s" "$ss_out" "${smodel_args[@]}" \
                    --diff-csv "$out/kde_${size}_spatstat_diff.csv" 2>>"$logs/kde_${size}_compare.log") ||
                    agree="compare failed (log: $logs/kde_${size}_compare.log)"
            fi
            add_row kde "$input" spatstat "$T_WALL" "$T_RSS" "$r" "$agree"
            local t_read t_dens
            t_read=$(sed -n 's/^spatstat: read \([0-9.]*\) s.*/\1/p' "$logs/kde_${size}_spatstat.log" | median)
            t_dens=$(sed -n 's/^spatstat: .*density \([0-9.]*\) s.*/\1/p' "$logs/kde_${size}_spatstat.log" | median)
            NOTES+=("kde $size: spatstat density.ppp alone ${t_dens} s, reading the CSV into a ppp ${t_read} s (medians; the rest is Rscript and package start-up)")
        fi
    fi

    # --- safemap's kernel sums (-vv), not part of the timings above
    if [ "$sm_q_ok" -eq 1 ]; then kde_rate "$size" "$csv" qgis-raw "$sm_q" --bandwidth "$KDE_RADIUS"; fi
    if [ "$sm_s_ok" -eq 1 ]; then kde_rate "$size" "$csv" spatstat "$sm_s" --bandwidth "$KDE_SIGMA" --extent "$KDE_BOX"; fi
}

# kde_rate SIZE CSV CONVENTION GRID_TIF ARGS...: for each code path of the
# kernel loop this CPU runs (SAFEMAP_SIMD=base, avx2, avx512), runs safemap
# kde -vv $RUNS times, takes the median of its "kernel sums ... in T s" line,
# counts the kernel evaluations on GRID_TIF's grid exactly, and adds a note
# with the evaluations per second per core and their share of the path's
# peak (11 flops an evaluation: the quartic loop's adds and multiplies).
kde_rate() {
    local size=$1 csv=$2 conv=$3 grid=$4; shift 4
    local tmp="$SCRATCH/out/kde_${size}_vv.tif" i path lanes logf
    local flags paths=(base) t ev="" threads=${THREADS:-$(nproc)}
    measured_peaks # once, here: the notes below are made in subshells, which would each measure again
    flags=$(sed -n 's/^flags[[:space:]]*: *//p' /proc/cpuinfo | head -n 1)
    grep -qw avx2 <<<"$flags" && paths+=(avx2)
    grep -qw avx512f <<<"$flags" && grep -qw avx512vl <<<"$flags" && paths+=(avx512)
    for path in "${paths[@]}"; do
        logf="$SCRATCH/logs/kde_${size}_safemap_${conv}_${path}_vv.log"
        : >"$logf"
        for ((i = 1; i <= RUNS; i++)); do
            SAFEMAP_SIMD=$path "$SAFEMAP" kde "$csv" --x X --y Y --crs EPSG:27700 --kernel quartic --cell "$KDE_CELL" \
                --convention "$conv" "$@" -o "$tmp" --overwrite -vv "${SM_JOBS[@]}" >>"$logf" 2>&1 || true
        done
        t=$(sed -n 's/.*kernel sums on .* in \([0-9.]*\) s.*/\1/p' "$logf" | median)
        [ -n "$ev" ] || ev=$("$PY" "$SCRIPT_DIR/compare_kde.py" evals "$csv" "$grid" --radius "$KDE_RADIUS" 2>>"$logf") || ev=""
        if [ "$t" = "-" ] || [ -z "$ev" ]; then
            NOTES+=("kde $size: safemap $conv $path kernel sums: no timing (log: $logf)")
            continue
        fi
        case $path in base) lanes=2 ;; avx2) lanes=4 ;; *) lanes=8 ;; esac
        NOTES+=("$(awk -v s="$size" -v c="$conv" -v q="$path" -v t="$t" -v e="${ev% *}" -v l="${ev#* }" -v n="$threads" \
            -v p="$(machine_peak core "$lanes")" -v m="$(measured_peak "$path")" 'BEGIN{
            r = (t > 0 ? e / t / n : 0)
            printf "kde %s: safemap %s, %s path: kernel sums %.3f s (median): %.0f kernel evaluations (%.0f locations, %.0f each) on %d threads = %.3g evaluations/s/core", s, c, q, t, e, l, e / l, n, r
            if (m > 0 && r > 0) printf " = %.2f GFLOP/s/core at 11 flops each, %.1f%% of the %s peak measured on this machine (%.1f GFLOP/s/core, roofline.c --peak)", r * 11 / 1e9, 100 * r * 11 / 1e9 / m, q, m
            if (p > 0 && r > 0) printf "%s%.1f%% of the %s peak from the clock (%.1f GFLOP/s/core)", (m > 0 ? "; " : " = " sprintf("%.2f GFLOP/s/core at 11 flops each, ", r * 11 / 1e9)), 100 * r * 11 / 1e9 / p, q, p }')")
    done
    rm -f "$tmp"
}

# entry hotspots: Getis-Ord Gi* on square fishnets (safemap hotspots --grid
# fishnet) beside spdep (hotspots_spdep.R: dnearneigh, include.self,
# nb2listw style "B", localG / localG_perm) on the same cells: spdep reads the
# cells CSV safemap wrote (row, col, count) and builds its own neighbours.
# Agreement (compare_hotspots.py): the same neighbours per cell, the analytic
# Gi* z to 1e-9, and for permutations the p-values' correlation and shared
# 0.05 decisions beside safemap's own seed-to-seed figures. See README.
entry_hotspots() {
    local size=$1 csv20 csv50 lcsv ext
    csv20=$(input_bng_csv "$size")
    hs_run "$size" p99 "${size} 200x200 b${HS_BAND} p${HS_NSIM}" "$KDE_BOX" "$HS_BAND" "$HS_NSIM" spdep \
        "$csv20" --x X --y Y --crs EPSG:27700
    csv50=$(input_bng_csv "$size" "$HS_BOX50")
    hs_run "$size" a250k "${size} 500x500 b${HS_BAND}" "$HS_BOX50" "$HS_BAND" 0 spdep \
        "$csv50" --x X --y Y --crs EPSG:27700
    if [ ! -r "$WARDS" ]; then
        add_row hotspots "${size} London" - - - - "wards missing: $WARDS"
        return 0
    fi
    ext=$(hs_wards_extent) || { add_row hotspots "${size} London" - - - - "no extent from ogrinfo for $WARDS"; return 0; }
    lcsv=$(input_csv "$size")
    local peer=none
    [ "$SLOW_PEERS" -eq 1 ] && peer=estimate
    hs_run "$size" london "${size} London b${HS_LONDON_BAND} p${HS_LONDON_NSIM}" "$ext" "$HS_LONDON_BAND" "$HS_LONDON_NSIM" "$peer" \
        "$lcsv" --wards "$WARDS"
}

# hs_cells_run NAME INPUTLABEL EXTENT BAND SPDEP_WALL SM_OUT [PERM ARGS...]
# safemap on the input spdep gets: the cells CSV (each cell's centre weighted
# by its count, made from safemap's own output, untimed), so both sides start
# from the same cells. Row "safemap (cells)": its ratio column is spdep's wall
# time over this run's; agree: the output is byte-identical to the run from
# the points.
hs_cells_run() {
    local name=$1 input=$2 extent=$3 band=$4 sp_wall=$5 sm_out=$6; shift 6
    local cells="$SCRATCH/out/${name}_cells_xy.csv" out="$SCRATCH/out/${name}_safemap_cells.csv"
    awk -F, -v x0="${extent%%,*}" -v e="$extent" -v c="$HS_CELL" 'BEGIN { split(e, a, ","); y0 = a[2]; print "x,y,count" }
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { printf "%.3f,%.3f,%s\n", x0 + ($(col["col"]) + 0.5) * c, y0 + ($(col["row"]) + 0.5) * c, $(col["count"]) }' "$sm_out" >"$cells"
    SM_TOOL="safemap (cells)" SM_NOTE="-" run_safemap hotspots "$input" "${name}_safemap_cells" \
        hotspots "$cells" --x x --y y --crs EPSG:27700 --weight count --grid fishnet --cell "$HS_CELL" --band "$band" \
        --extent "$extent" "$@" -o "$out" --overwrite -q
    [ "$SM_OK" -eq 1 ] || return 0
    ROWS[${#ROWS[@]}-1]=$(
        IFS=$'\t' read -r -a f <<<"${ROWS[${#ROWS[@]}-1]}"
        local same="no: the output differs from the run from the points (diff $cells)"
        cmp -s "$out" "$sm_out" && same="same output bytes as the run from the 1M points"
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s' "${f[0]}" "${f[1]}" "${f[2]}" "${f[3]}" "${f[4]}" "$(ratio "$sp_wall" "$SM_WALL")" \
            "spdep / this; input: the cells CSV spdep reads (centres weighted by count); $same")
    NOTES+=("hotspots ${name#hotspots_}: safemap from the cells spdep reads (no 1M-point CSV to read and count): $SM_WALL s, spdep $sp_wall s: $(ratio "$sp_wall" "$SM_WALL") x")
}

# The extent of the wards layer as xmin,ymin,xmax,ymax (ogrinfo's 6 decimals).
hs_wards_extent() {
    ogrinfo -so -ro "$WARDS" wards 2>/dev/null |
        sed -n 's/^Extent: (\([-0-9.]*\), \([-0-9.]*\)) - (\([-0-9.]*\), \([-0-9.]*\)).*/\1,\2,\3,\4/p' | grep .
}

# hs_run SIZE TAG INPUTLABEL EXTENT BAND NSIM PEER POINTS [SAFEMAP INPUT ARGS...]
# One measurement: safemap hotspots on the fishnet of HS_CELL m cells over
# EXTENT (NSIM > 0: --permutations NSIM --seed 1), then PEER on safemap's
# cells: spdep (timed, row + notes), estimate (spdep with
# HS_LONDON_SPDEP_NSIM permutations, timed, the time extrapolated to NSIM;
# row marked as an estimate) or none.
hs_run() {
    local size=$1 tag=$2 input=$3 extent=$4 band=$5 nsim=$6 peer=$7; shift 7
    local out="$SCRATCH/out" logs="$SCRATCH/logs" name="hotspots_${size}_${tag}"
    local sm_out="$out/${name}_safemap.csv" sp_out="$out/${name}_spdep.csv" base_out="$out/${name}_safemap_seed2.csv"
    rm -f "$sm_out" "$sp_out" "$base_out" "$out/${name}_diff.csv"
    local sm_args=("$@" --grid fishnet --cell "$HS_CELL" --band "$band" --extent "$extent")
    local perm=() perm2=() note="also computes local and global Moran's I"
    if [ "$nsim" -gt 0 ]; then
        perm=(--permutations "$nsim" --seed 1)
        perm2=(--permutations "$nsim" --seed 2)
        note="also computes local Moran's I with its $nsim permutations, global Moran's I"
    fi
    SM_NOTE="$note" run_safemap hotspots "$input" "${name}_safemap" \
        hotspots "${sm_args[@]}" "${perm[@]}" -o "$sm_out" --overwrite -q "${SM_JOBS[@]}"
    local sm_ok=$SM_OK sm_wall=$SM_WALL
    if [ "$sm_ok" -ne 1 ]; then
        [ "$peer" = none ] || add_row hotspots "$input" spdep - - - "not run: it reads safemap's cells CSV"
        return 0
    fi

    # Not timed: the same command with -vv (how long reading the points
    # takes) and, when spdep's permutation p-values are compared, --seed 2
    # (their Monte Carlo noise, to read that comparison against); else
    # without permutations (the reading does not depend on them).
    local vv_log="$logs/${name}_safemap_vv.log"
    [ "$peer" = spdep ] || perm2=()
    "$SAFEMAP" hotspots "${sm_args[@]}" "${perm2[@]}" -o "$base_out" --overwrite -vv "${SM_JOBS[@]}" >"$vv_log" 2>&1 ||
        rm -f "$base_out"
    [ "${#perm2[@]}" -gt 0 ] || rm -f "$base_out"
    local t_read t_chk summary
    t_read=$(sed -n 's/.*debug: read .* sources in \([0-9.]*\) s.*/\1/p' "$vv_log" | head -n 1)
    t_chk=$(sed -n 's/.*checked and transformed in \([0-9.]*\) s.*/\1/p' "$vv_log" | head -n 1)
    summary=$(sed -n 's/^safemap hotspots: \([0-9]* cells of .*\)$/\1/p' "$vv_log" | head -n 1)
    NOTES+=("hotspots $size $tag: safemap ${sm_wall} s end to end, of which reading the points ${t_read:-?} s and checking/transforming them ${t_chk:-?} s (-vv, untimed run); ${summary:-no summary line (log: $vv_log)}")

    [ "$peer" != none ] || return 0
    if ! have_spdep; then
        add_row hotspots "$input" spdep - - - "not installed (tests/bench/install_peers.sh)"
        return 0
    fi
    local r_nsim=$nsim
    [ "$peer" = estimate ] && r_nsim=$HS_LONDON_SPDEP_NSIM
    log "hotspots $input: Rscript hotspots_spdep.R (nsim $r_nsim)"
    timed "${name}_spdep" "$RSCRIPT" "$SCRIPT_DIR/hotspots_spdep.R" "$sm_out" "$sp_out" "${extent%,*,*}" \
        "$HS_CELL" "$band" "$r_nsim"
    local tool="spdep (Rscript)"
    [ "$peer" = estimate ] && tool="spdep ESTIMATE"
    if [ "$T_RC" -ne 0 ] || [ ! -s "$sp_out" ]; then
        add_row hotspots "$input" "$tool" "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/${name}_spdep.log)"
        return 0
    fi
    local cmp=() agree
    [ -s "$base_out" ] && cmp+=(--baseline "$base_out")
    [ "$peer" = estimate ] && cmp+=(--no-psim)
    agree=$("$PY" "$SCRIPT_DIR/compare_hotspots.py" "$sm_out" "$sp_out" "${cmp[@]}" \
        --diff-csv "$out/${name}_diff.csv" 2>>"$logs/${name}_compare.log") ||
        agree="compare failed (log: $logs/${name}_compare.log)"

    # spdep's own timings (medians over --runs)
    local rl="$logs/${name}_spdep.log" r_read r_dnn r_lw r_stat r_lg r_write r_kd stat_name
    r_read=$(sed -n 's/^spdep: read \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_dnn=$(sed -n 's/^spdep: .*dnearneigh \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_lw=$(sed -n 's/^spdep: .*nb2listw \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_stat=$(sed -n 's/^spdep: .*statistic \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_lg=$(sed -n 's/^spdep: .*localG \([0-9.]*\) s, write.*/\1/p' "$rl" | median)
    r_write=$(sed -n 's/^spdep: .*write \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_kd=$(sed -n 's/^spdep: .*kd_tree \([^,]*\),.*/\1/p' "$rl" | head -n 1)
    stat_name="localG"
    [ "$nsim" -gt 0 ] && stat_name="localG_perm nsim $nsim"

    if [ "$peer" = spdep ]; then
        add_row hotspots "$input" "$tool" "$T_WALL" "$T_RSS" "$(ratio "$T_WALL" "$sm_wall")" "$agree"
        NOTES+=("$(awk -v s="$size" -v t="$tag" -v rd="$r_read" -v d="$r_dnn" -v l="$r_lw" -v st="$r_stat" -v lg="$r_lg" \
            -v w="$r_write" -v kd="$r_kd" -v sn="$stat_name" -v tw="$T_WALL" -v sw="$sm_wall" -v np="$nsim" 'BEGIN{
            printf "hotspots %s %s: spdep neighbours + statistic %.3f s (%.2f x safemap end to end) = dnearneigh %.3f s (%s) + include.self/nb2listw %.3f s + %s %.3f s; ",
                s, t, d + l + st, (sw > 0 ? (d + l + st) / sw : 0), d, kd, l, sn, st
            printf "reading the cells %.3f s, writing %.3f s", rd, w
            if (np > 0) printf ", the extra localG call for the analytic z %.3f s", lg
            printf "; Rscript start-up and library(spdep) the rest of %.3f s", tw }')")
        hs_cells_run "$name" "$input" "$extent" "$band" "$T_WALL" "$sm_out" "${perm[@]}" # (sets T_WALL: last)
        return 0
    fi

    # estimate: spdep ran localG_perm with each nsim in HS_LONDON_SPDEP_NSIM;
    # a straight line through the two (time = a + b nsim) gives its time at
    # NSIM; the whole Rscript is its measured time with those runs replaced.
    local n1 n2 s1 s2
    IFS=',' read -r n1 n2 <<<"$HS_LONDON_SPDEP_NSIM"
    s1=$(sed -n "s/^spdep: localG_perm nsim $n1 \([0-9.]*\) s.*/\1/p" "$rl" | median)
    s2=$(sed -n "s/^spdep: localG_perm nsim $n2 \([0-9.]*\) s.*/\1/p" "$rl" | median)
    local est
    est=$(awk -v n1="$n1" -v n2="$n2" -v s1="$s1" -v s2="$s2" -v n="$nsim" -v tw="$T_WALL" 'BEGIN{
        b = (s2 - s1) / (n2 - n1); a = s1 - b * n1; e = a + b * n
        printf "%.3f %.3f %.6f %.3f", e, tw - s1 - s2 + e, b, a }')
    local e_stat=${est%% *} rest=${est#* } e_wall
    e_wall=${rest%% *}
    add_row hotspots "$input" "$tool" "~$(printf '%.0f' "$e_wall")" "$T_RSS" "$(ratio "$e_wall" "$sm_wall")" \
        "ESTIMATE, not run: localG_perm nsim $nsim extrapolated from nsim $n1 (${s1} s) and $n2 (${s2} s) to ${e_stat} s; measured run: $agree"
    NOTES+=("hotspots $size $tag: spdep ESTIMATE for nsim $nsim: localG_perm measured ${s1} s at nsim $n1 and ${s2} s at nsim $n2 on the same cells, a straight line gives ${e_stat} s at $nsim; plus dnearneigh ${r_dnn} s ($r_kd) + include.self/nb2listw ${r_lw} s; the measured Rscript (both nsim, start-up, reading, writing) took ${T_WALL} s, peak ${T_RSS} MiB")
}

# entry emerging: `safemap emerging` on the London fishnet (timed: space-time
# Gi* with time lag EM_LAG over the whole cube, FDR, Mann-Kendall, categories)
# beside the same analysis as an analyst would write it in R
# (emerging_spdep.R): it reads the cube safemap wrote (cells CSV + bins CSV),
# builds dnearneigh + include.self + nb2listw(style "B") weights, runs spdep
# localG on each month alone, a base R Mann-Kendall per location on its z
# series, and BH FDR. R's Gi* is per month (no time lag), so the agreement is
# with a second, untimed safemap run with --global-window step (each month
# alone): compare_emerging.py compares every bin's z, the neighbours and each
# location's Mann-Kendall z. See README.
entry_emerging() {
    local size=$1 csv ext
    local input="${size} London b${EM_BAND} k${EM_LAG}"
    local out="$SCRATCH/out" logs="$SCRATCH/logs" name="emerging_${size}"
    if [ ! -r "$WARDS" ]; then
        add_row emerging "$input" - - - - "wards missing: $WARDS"
        return 0
    fi
    ext=$(hs_wards_extent) || { add_row emerging "$input" - - - - "no extent from ogrinfo for $WARDS"; return 0; }
    csv=$(input_csv "$size")
    local sm_out="$out/${name}_safemap.csv" st_out="$out/${name}_safemap_step.csv" r_out="$out/${name}_R.csv"
    rm -f "$sm_out" "${sm_out%.csv}_bins.csv" "$st_out" "${st_out%.csv}_bins.csv" "$r_out" "${r_out%.csv}_bins.csv" \
        "$out/${name}_diff.csv"
    local sm_args=("$csv" --wards "$WARDS" --grid fishnet --cell "$EM_CELL" --band "$EM_BAND" --extent "$ext")

    SM_NOTE="space-time Gi* of month t and t-${EM_LAG} over the whole cube, FDR, Mann-Kendall of z and counts, 17 categories" \
        run_safemap emerging "$input" "${name}_safemap" \
        emerging "${sm_args[@]}" --time-lag "$EM_LAG" -o "$sm_out" --overwrite -q "${SM_JOBS[@]}"
    local sm_ok=$SM_OK sm_wall=$SM_WALL sm_rss=$T_RSS
    if [ "$sm_ok" -ne 1 ]; then
        add_row emerging "$input" "spdep+MK Rscript" - - - "not run: it reads safemap's cube"
        return 0
    fi

    # Not timed (one run, under GNU time for the note): the statistics R
    # computes, each month alone (lag 0), with -vv: the reading times and the
    # summary line (locations, steps).
    local st_log="$logs/${name}_safemap_step.log" st_tf="$logs/${name}_safemap_step.time" st_wall st_rss t0 t1
    t0=$(date +%s%N)
    "$GNU_TIME" -f '%M' -o "$st_tf" "$SAFEMAP" emerging "${sm_args[@]}" --global-window step \
        -o "$st_out" --overwrite -vv "${SM_JOBS[@]}" >"$st_log" 2>&1 || rm -f "$st_out"
    t1=$(date +%s%N)
    st_wall=$(awk -v ns="$(( t1 - t0 ))" 'BEGIN{printf "%.3f", ns / 1e9}')
    st_rss=$(awk -v k="$(tail -n 1 "$st_tf" 2>/dev/null)" 'BEGIN{printf "%.1f", k / 1024}')
    local t_read t_chk summary steps
    t_read=$(sed -n 's/.*debug: read .* sources in \([0-9.]*\) s.*/\1/p' "$st_log" | head -n 1)
    t_chk=$(sed -n 's/.*checked and transformed in \([0-9.]*\) s.*/\1/p' "$st_log" | head -n 1)
    summary=$(sed -n 's/^safemap emerging: \([0-9]* cells with an incident .*\)$/\1/p' "$st_log" | head -n 1)
    steps=$(sed -n 's/.*, \([0-9]*\) steps of .*/\1/p' <<<"$summary")
    NOTES+=("emerging $size: safemap k=${EM_LAG} (timed) ${sm_wall} s end to end, peak ${sm_rss} MiB; the untimed --global-window step run (R's statistics) ${st_wall} s, peak ${st_rss} MiB (one run), reading the points ${t_read:-?} s and checking/transforming them ${t_chk:-?} s (-vv); ${summary:-no summary line (log: $st_log)}")
    [ "${steps:-0}" = "$EM_STEPS" ] ||
        NOTES+=("emerging $size: WARNING: ${steps:-?} steps, not $EM_STEPS (log: $st_log)")

    if ! have_spdep; then
        add_row emerging "$input" "spdep+MK Rscript" - - - "not installed (tests/bench/install_peers.sh)"
        return 0
    fi
    log "emerging $input: Rscript emerging_spdep.R (localG per month + Mann-Kendall)"
    timed "${name}_R" "$RSCRIPT" "$SCRIPT_DIR/emerging_spdep.R" "$sm_out" "${sm_out%.csv}_bins.csv" "$r_out" \
        "${ext%,*,*}" "$EM_CELL" "$EM_BAND"
    if [ "$T_RC" -ne 0 ] || [ ! -s "$r_out" ]; then
        add_row emerging "$input" "spdep+MK Rscript" "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/${name}_R.log)"
        return 0
    fi
    local agree
    if [ -s "$st_out" ]; then
        agree=$("$PY" "$SCRIPT_DIR/compare_emerging.py" "$st_out" "$r_out" --cube "$sm_out" --steps "$EM_STEPS" \
            --diff-csv "$out/${name}_diff.csv" 2>>"$logs/${name}_compare.log") ||
            agree="compare failed (log: $logs/${name}_compare.log)"
    else
        agree="not compared: the --global-window step run failed (log: $st_log)"
    fi
    add_row emerging "$input" "spdep+MK Rscript" "$T_WALL" "$T_RSS" "$(ratio "$T_WALL" "$sm_wall")" "$agree"

    # R's own timings (medians over --runs)
    local rl="$logs/${name}_R.log" r_read r_dnn r_lw r_lg r_mk r_fdr r_write r_kd r_links
    r_read=$(sed -n 's/^R: read \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_dnn=$(sed -n 's/^R: .*dnearneigh \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_lw=$(sed -n 's/^R: .*nb2listw \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_lg=$(sed -n 's/^R: .*localG \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_mk=$(sed -n 's/^R: .*mann-kendall \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_fdr=$(sed -n 's/^R: .*fdr \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_write=$(sed -n 's/^R: .*write \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_kd=$(sed -n 's/^R: .*kd_tree \([^,]*\),.*/\1/p' "$rl" | head -n 1)
    r_links=$(sed -n 's/^R: .*links \([0-9]*\),.*/\1/p' "$rl" | head -n 1)
    NOTES+=("$(awk -v s="$size" -v rd="$r_read" -v d="$r_dnn" -v l="$r_lw" -v g="$r_lg" -v m="$r_mk" -v f="$r_fdr" \
        -v w="$r_write" -v kd="$r_kd" -v lk="$r_links" -v nt="${steps:-?}" -v tw="$T_WALL" -v sw="$sm_wall" -v stw="$st_wall" 'BEGIN{
        printf "emerging %s: R neighbours + statistics %.3f s (%.2f x safemap k=1 end to end) = dnearneigh %.3f s (%s; %s links with self) + include.self/nb2listw %.3f s + localG x %s months %.3f s + Mann-Kendall %.3f s + BH FDR %.3f s; ",
            s, d + l + g + m + f, (sw > 0 ? (d + l + g + m + f) / sw : 0), d, kd, lk, l, nt, g, m, f
        printf "reading the cube (cells + bins CSV) %.3f s, writing %.3f s (medians); Rscript start-up and library(spdep) the rest of %.3f s; ", rd, w, tw
        printf "R / safemap step run (the same statistics, one untimed run): %.2f", (stw > 0 ? tw / stw : 0) }')")
}

# entry nearrepeat: `safemap nearrepeat` (Knox test, NR_NSIM permutations)
# beside knox_R.R, the same test in plain R (R's NearRepeat package needs
# CRAN, not reachable here). Agreement: observed pair counts equal in every
# cell; the permutation columns statistically (compare_knox.py).
have_dbscan() { [ -x "$RSCRIPT" ] && "$RSCRIPT" -e 'quit(status = !requireNamespace("dbscan", quietly = TRUE))' >/dev/null 2>&1; }
entry_nearrepeat() {
    local size=$1 csv
    local input="${size} dated, 10x10 bands"
    local out="$SCRATCH/out" logs="$SCRATCH/logs" name="nearrepeat_${size}"
    csv=$(input_dated_csv "$size")
    local sm_out="$out/${name}_safemap.csv" r_out="$out/${name}_R.csv"
    rm -f "$sm_out" "$r_out" "$out/${name}_diff.csv"
    SM_NOTE="Knox, Manhattan, [a, b), $NR_NSIM permutations; 12 x 11 cells with same location and beyond" \
        run_safemap nearrepeat "$input" "${name}_safemap" \
        nearrepeat "$csv" --x X --y Y --crs EPSG:27700 --time Date --space-bands "$NR_SPACE" --time-bands "$NR_TIME" \
        --permutations "$NR_NSIM" --seed 1 -o "$sm_out" --overwrite -q "${SM_JOBS[@]}"
    local sm_ok=$SM_OK sm_wall=$SM_WALL
    local tool="knox_R.R (Rscript)"
    [ "$NR_R_NSIM" -lt "$NR_NSIM" ] && tool="knox_R.R ESTIMATE"
    if ! have_dbscan; then
        add_row nearrepeat "$input" "$tool" - - - "R or dbscan not installed (tests/bench/install_peers.sh)"
        return 0
    fi
    log "nearrepeat $input: Rscript knox_R.R ($NR_R_NSIM permutations)"
    timed "${name}_R" "$RSCRIPT" "$SCRIPT_DIR/knox_R.R" "$csv" "$r_out" "$NR_SPACE" "$NR_TIME" "$NR_R_NSIM" 1
    if [ "$T_RC" -ne 0 ] || [ ! -s "$r_out" ]; then
        add_row nearrepeat "$input" "$tool" "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/${name}_R.log)"
        return 0
    fi
    local agree="not compared: safemap failed"
    if [ "$sm_ok" -eq 1 ]; then
        agree=$("$PY" "$SCRIPT_DIR/compare_knox.py" "$sm_out" "$r_out" --diff-csv "$out/${name}_diff.csv" \
            2>>"$logs/${name}_compare.log") || agree="compare failed (log: $logs/${name}_compare.log)"
    fi
    local rl="$logs/${name}_R.log" r_read r_frnn r_pairs r_tot r_obs r_perm r_write r_np
    r_read=$(sed -n 's/^R: read \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_frnn=$(sed -n 's/^R: .*frNN \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_pairs=$(sed -n 's/^R: .*pairs \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_np=$(sed -n 's/^R: .*(\([0-9]*\) close pairs).*/\1/p' "$rl" | head -n 1)
    r_tot=$(sed -n 's/^R: .*totals \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_obs=$(sed -n 's/^R: .*observed \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_perm=$(sed -n 's/^R: .*permutations [0-9]* \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_write=$(sed -n 's/^R: .*write \([0-9.]*\) s.*/\1/p' "$rl" | median)
    NOTES+=("nearrepeat $size: R read ${r_read} s, frNN (eps = last break) ${r_frnn} s, close pairs ${r_pairs} s (${r_np} pairs within the last break, Manhattan), all-pair time totals ${r_tot} s, observed table ${r_obs} s, ${NR_R_NSIM} permutations ${r_perm} s, write ${r_write} s (medians); the measured Rscript ${T_WALL} s, peak ${T_RSS} MiB")
    if [ "$NR_R_NSIM" -ge "$NR_NSIM" ]; then
        add_row nearrepeat "$input" "$tool" "$T_WALL" "$T_RSS" "$(ratio "$T_WALL" "$sm_wall")" "$agree"
    else
        local e_wall
        e_wall=$(awk -v tw="$T_WALL" -v tp="$r_perm" -v n="$NR_R_NSIM" -v N="$NR_NSIM" 'BEGIN{ printf "%.3f", tw - tp + tp * N / n }')
        add_row nearrepeat "$input" "$tool" "~$(printf '%.0f' "$e_wall")" "$T_RSS" "$(ratio "$e_wall" "$sm_wall")" \
            "ESTIMATE: R ran $NR_R_NSIM permutations (${r_perm} s, Rscript ${T_WALL} s), scaled linearly to $NR_NSIM; $agree"
    fi
    [ "$sm_ok" -eq 1 ] && nearrepeat_pkg "$size" "$input" "$csv" "$sm_out" "$sm_wall"
    return 0
}

# R's NearRepeat package itself (nearrepeat_pkg.R), when installed: it takes
# every pair's distance with dist(), n(n-1)/2 doubles for space and again for
# time in each permutation, so it runs only up to NR_PKG_MAX_N events (a row
# says why beyond), with NR_PKG_NSIM permutations and an estimate at NR_NSIM
# from the time of one more permutation done as it does one.
have_nearrepeat_pkg() { [ -x "$RSCRIPT" ] && "$RSCRIPT" -e 'quit(status = !requireNamespace("NearRepeat", quietly = TRUE))' >/dev/null 2>&1; }
nearrepeat_pkg() {
    local size=$1 input=$2 csv=$3 sm_out=$4 sm_wall=$5
    local out="$SCRATCH/out" logs="$SCRATCH/logs" name="nearrepeat_${size}_pkg" n
    local tool="NearRepeat pkg ESTIMATE"
    have_nearrepeat_pkg || { add_row nearrepeat "$input" "NearRepeat pkg" - - - "not installed (tests/bench/README.md: from its source)"; return 0; }
    n=$(size_rows "$size")
    if [ "$n" -gt "$NR_PKG_MAX_N" ]; then
        add_row nearrepeat "$input" "NearRepeat pkg" - - - "$(awk -v n="$n" 'BEGIN{ printf "not run: dist() of %d events is %.4g doubles (%.1f GiB) for the distances alone, again for the times of each permutation; this machine has 24 GiB", n, n * (n - 1) / 2, n * (n - 1) / 2 * 8 / 2^30 }')"
        return 0
    fi
    local r_out="$out/${name}.csv"
    rm -f "$r_out"
    log "nearrepeat $input: Rscript nearrepeat_pkg.R (NearRepeat, $NR_PKG_NSIM permutations)"
    timed "$name" "$RSCRIPT" "$SCRIPT_DIR/nearrepeat_pkg.R" "$csv" "$r_out" "$NR_SPACE" "$NR_TIME" "$NR_PKG_NSIM" 1
    if [ "$T_RC" -ne 0 ] || [ ! -s "$r_out" ]; then
        add_row nearrepeat "$input" "$tool" "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/${name}.log)"
        return 0
    fi
    local agree rl="$logs/${name}.log" t_call t_one e_wall
    agree=$("$PY" "$SCRIPT_DIR/compare_knox.py" "$sm_out" "$r_out" 2>>"$logs/${name}_compare.log") ||
        agree="compare failed (log: $logs/${name}_compare.log)"
    t_call=$(sed -n 's/^R: .*NearRepeat(nrep = [0-9]*) \([0-9.]*\) s.*/\1/p' "$rl" | median)
    t_one=$(sed -n 's/^R: .*one more permutation \([0-9.]*\) s.*/\1/p' "$rl" | median)
    e_wall=$(awk -v tw="$T_WALL" -v one="$t_one" -v n="$NR_PKG_NSIM" -v N="$NR_NSIM" 'BEGIN{ printf "%.3f", tw - 2 * one + one * (N - n) }')
    add_row nearrepeat "$input" "$tool" "~$(printf '%.0f' "$e_wall")" "$T_RSS" "$(ratio "$e_wall" "$sm_wall")" \
        "ESTIMATE: NearRepeat(nrep = $NR_PKG_NSIM) ${t_call} s, one more permutation ${t_one} s, so $NR_NSIM ~ the Rscript's time (without its two timing permutations) + $((NR_NSIM - NR_PKG_NSIM)) x ${t_one} s; $agree"
}

# entry scan: `safemap scan` on the dated incidents (fishnet of SC_CELL m,
# weekly bins, circles up to SC_RADIUS m, SC_NSIM replications) beside
# scan_R.R on the same cube (cells and weekly counts from an untimed
# `safemap emerging` run). Agreement: the most likely cluster (its cells'
# centre, size, weeks, observed, expected and LLR).
entry_scan() {
    local size=$1 csv
    local input="${size} dated, ${SC_CELL} m x week"
    local out="$SCRATCH/out" logs="$SCRATCH/logs" name="scan_${size}"
    csv=$(input_dated_csv "$size")
    local sm_out="$out/${name}_safemap.csv" cube="$out/${name}_cube.csv" r_out="$out/${name}_R.csv"
    rm -f "$sm_out" "$cube" "${cube%.csv}_bins.csv" "$r_out"
    SM_NOTE="$SC_NSIM replications, circles <= ${SC_RADIUS} m, windows <= 26 weeks" \
        run_safemap scan "$input" "${name}_safemap" \
        scan "$csv" --x X --y Y --crs EPSG:27700 --time Date --grid fishnet --cell "$SC_CELL" --bin week \
        --max-radius "$SC_RADIUS" --permutations "$SC_NSIM" --seed 1 -o "$sm_out" --overwrite -v "${SM_JOBS[@]}"
    local sm_ok=$SM_OK sm_wall=$SM_WALL
    local lg="$logs/${name}_safemap.log" summary best
    summary=$(sed -n 's/^safemap scan: \([0-9]* locations with an incident.*\)$/\1/p' "$lg" | head -n 1)
    best=$(sed -n 's/^safemap scan: most likely cluster: \(.*\)$/\1/p' "$lg" | head -n 1)
    NOTES+=("scan $size: ${summary:-no summary line (log: $lg)}; most likely cluster: ${best:-?}")
    local tool="scan_R.R ESTIMATE"
    [ "$SC_R_NSIM" -ge "$SC_NSIM" ] && tool="scan_R.R (Rscript)"
    if ! have_dbscan; then
        add_row scan "$input" "$tool" - - - "R or dbscan not installed (tests/bench/install_peers.sh)"
        return 0
    fi
    # the cube R reads: the same cells (extent from the points) and weeks, untimed
    "$SAFEMAP" emerging "$csv" --x X --y Y --crs EPSG:27700 --time Date --grid fishnet --cell "$SC_CELL" --bin week \
        --band "$SC_RADIUS" -o "$cube" --overwrite -q >"$logs/${name}_cube.log" 2>&1 || {
        add_row scan "$input" "$tool" - - - "the cube for R failed (log: $logs/${name}_cube.log)"
        return 0
    }
    local xy
    xy=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "X") cx = i; if ($i == "Y") cy = i }; next }
        { if (NR == 2 || $cx < x) x = $cx; if (NR == 2 || $cy < y) y = $cy } END { printf "%s,%s", x, y }' "$csv")
    log "scan $input: Rscript scan_R.R ($SC_R_NSIM replications)"
    timed "${name}_R" "$RSCRIPT" "$SCRIPT_DIR/scan_R.R" "$cube" "${cube%.csv}_bins.csv" "$r_out" "$xy" "$SC_CELL" \
        "$SC_RADIUS" 0 "$SC_R_NSIM" 1
    if [ "$T_RC" -ne 0 ] || [ ! -s "$r_out" ]; then
        add_row scan "$input" "$tool" "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/${name}_R.log)"
        return 0
    fi
    local agree="not compared: safemap failed"
    if [ "$sm_ok" -eq 1 ]; then
        # the most likely cluster: same size, weeks and observed count; expected and LLR to 1e-9
        agree=$(awk -F, '{ gsub(/"/, "") } FNR == 1 { for (i = 1; i <= NF; i++) col[FILENAME, $i] = i; next }
            FNR == 2 { for (k in col) { split(k, a, SUBSEP); if (a[1] == FILENAME) v[FILENAME, a[2]] = $col[k] }; f[++n] = FILENAME }
            END {
                s = f[1]; r = f[2]
                same = v[s, "locations"] == v[r, "locations"] && v[s, "start"] == v[r, "start"] && v[s, "end"] == v[r, "end"] &&
                    v[s, "observed"] == v[r, "observed"]
                de = v[s, "expected"] - v[r, "expected"]; dl = v[s, "llr"] - v[r, "llr"]
                same = same && de * de < 1e-18 * v[r, "expected"] ^ 2 && dl * dl < 1e-18 * v[r, "llr"] ^ 2
                printf "most likely cluster %s: %s cells, %s to %s, %s observed vs %.4f expected, LLR %.10g (R %.10g)",
                    same ? "identical" : "DIFFERS", v[s, "locations"], v[s, "start"], v[s, "end"], v[s, "observed"],
                    v[s, "expected"], v[s, "llr"], v[r, "llr"] }' "$sm_out" "$r_out" | tr -d '"')
    fi
    local rl="$logs/${name}_R.log" r_read r_circ r_obs r_rep
    r_read=$(sed -n 's/^R: read \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_circ=$(sed -n 's/^R: .*circles \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_obs=$(sed -n 's/^R: .*observed \([0-9.]*\) s.*/\1/p' "$rl" | median)
    r_rep=$(sed -n 's/^R: .*replications [0-9]* \([0-9.]*\) s.*/\1/p' "$rl" | median)
    NOTES+=("scan $size: R read ${r_read} s, circles ${r_circ} s, the data ${r_obs} s, ${SC_R_NSIM} replications ${r_rep} s (medians); the measured Rscript ${T_WALL} s, peak ${T_RSS} MiB")
    if [ "$SC_R_NSIM" -ge "$SC_NSIM" ]; then
        add_row scan "$input" "$tool" "$T_WALL" "$T_RSS" "$(ratio "$T_WALL" "$sm_wall")" "$agree"
        return 0
    fi
    local e_wall
    e_wall=$(awk -v tw="$T_WALL" -v tp="$r_rep" -v n="$SC_R_NSIM" -v N="$SC_NSIM" 'BEGIN{ printf "%.3f", tw - tp + tp * N / n }')
    add_row scan "$input" "$tool" "~$(printf '%.0f' "$e_wall")" "$T_RSS" "$(ratio "$e_wall" "$sm_wall")" \
        "ESTIMATE: R ran $SC_R_NSIM replications (${r_rep} s, Rscript ${T_WALL} s), scaled linearly to $SC_NSIM; $agree"
}

# entry audit: `safemap audit` (streets + lamps + defects + crimes, -j AU_JOBS)
# beside PostGIS computing the same lighting model and open-defect counts in
# SQL (audit_postgis_load.sql, audit_postgis.sql) on a private PostgreSQL
# server (Unix socket only, under $SCRATCH/pg, as user postgres when root,
# stopped on exit). Inputs from gen_audit.py: SIZE is the number of crimes;
# 1M is the London size (27 x 27 km, ~600k segments, 500k lamps, 50k
# defects), smaller sizes a smaller square at the same densities.
# Agreement: lux_avg, lux_min and defects_open per segment (compare_audit.py).
AU_GEN_SRC="$SCRIPT_DIR/gen_audit.py"
AU_JOBS=2
PG_BASE=""
PG_BIN=""
PG_PID=""

# input_audit SIZE -> the prefix of the cached files (PREFIX_streets.gpkg, _lamps.csv, _crimes.csv,
# _defects.csv, _meta.json), keyed by a hash of gen_audit.py, the size and the seed
input_audit() {
    local size=$1 ver dir p
    ver=$(sha256sum "$AU_GEN_SRC" | cut -c1-12)
    dir="$SCRATCH/data/audit-$ver"
    mkdir -p "$dir"
    p="$dir/audit_${size}_s${SEED}"
    if [ ! -s "${p}_meta.json" ]; then
        log "generating the audit inputs for $(size_rows "$size") crimes (seed $SEED) -> ${p}_*"
        "$PY" "$AU_GEN_SRC" --crimes "$(size_rows "$size")" --seed "$SEED" --out "$p" >"$SCRATCH/logs/gen_audit_${size}.log" 2>&1 ||
            die "gen_audit.py failed (log: $SCRATCH/logs/gen_audit_${size}.log)"
    fi
    echo "$p"
}

pg_as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pg_stop() {
    [ -n "$PG_BASE" ] && [ -f "$PG_BASE/data/postmaster.pid" ] || return 0
    pg_as "$PG_BIN/pg_ctl" -D "$PG_BASE/data" -m fast -w stop >/dev/null 2>&1 ||
        pg_as "$PG_BIN/pg_ctl" -D "$PG_BASE/data" -m immediate stop >/dev/null 2>&1 || true
}
# Starts the private server once (returns 1, with PG_WHY set, when PostgreSQL or PostGIS is missing).
# Settings: fsync off (scratch data), shared_buffers 1GB, work_mem 256MB, maintenance_work_mem 1GB,
# max_wal_size 8GB; parallel query at its defaults (2 workers per gather).
PG_SETTINGS="-c fsync=off -c full_page_writes=off -c synchronous_commit=off -c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=1GB -c max_wal_size=8GB"
pg_start() {
    [ -n "$PG_PID" ] && return 0
    local d
    PG_BIN=""
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/psql" ]; then PG_BIN=$d; break; fi
    done
    [ -n "$PG_BIN" ] || { PG_WHY="PostgreSQL server not installed (Debian postgresql, postgis)"; return 1; }
    ls /usr/share/postgresql/"$(basename "$(dirname "$PG_BIN")")"/extension/postgis.control >/dev/null 2>&1 ||
        { PG_WHY="PostGIS not installed (Debian postgis)"; return 1; }
    if [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then PG_WHY="running as root and no user postgres"; return 1; fi
    PG_BASE="$SCRATCH/pg"
    [ ${#PG_BASE} -le 80 ] || PG_BASE=$(mktemp -d /tmp/safemap-bench-pg.XXXXXX)
    pg_stop
    rm -rf "$PG_BASE"
    mkdir -p "$PG_BASE/data" "$PG_BASE/sock"
    chmod 755 "$PG_BASE"
    chmod 700 "$PG_BASE/data"
    [ "$(id -u)" -ne 0 ] || chown postgres "$PG_BASE/data" "$PG_BASE/sock" "$PG_BASE"
    pg_as "$PG_BIN/initdb" -D "$PG_BASE/data" -A trust -U postgres -E UTF8 --locale=C --no-sync \
        >"$SCRATCH/logs/pg_initdb.log" 2>&1 || { PG_WHY="initdb failed (log: $SCRATCH/logs/pg_initdb.log)"; return 1; }
    trap pg_stop EXIT
    # shellcheck disable=SC2086
    pg_as "$PG_BIN/pg_ctl" -D "$PG_BASE/data" -l "$PG_BASE/server.log" -w -t 60 \
        -o "-c listen_addresses='' -k $PG_BASE/sock $PG_SETTINGS" start >"$SCRATCH/logs/pg_ctl.log" 2>&1 ||
        { PG_WHY="the server did not start (log: $PG_BASE/server.log)"; return 1; }
    PG_PID=$(head -n 1 "$PG_BASE/data/postmaster.pid")
    PSQL=("$PG_BIN/psql" -h "$PG_BASE/sock" -U postgres -X -q -v ON_ERROR_STOP=1)
    "${PSQL[@]}" -d postgres -c "CREATE DATABASE safemap" >/dev/null &&
        "${PSQL[@]}" -d safemap -c "CREATE EXTENSION postgis" >/dev/null ||
        { PG_WHY="CREATE EXTENSION postgis failed"; return 1; }
    PG_VERSION="PostgreSQL $("${PSQL[@]}" -d safemap -t -A -c 'SHOW server_version'), PostGIS $("${PSQL[@]}" -d safemap -t -A -c 'SELECT postgis_full_version()' | sed -n 's/^POSTGIS="\([^"]*\)".* GEOS="\([^"]*\)".*/\1, GEOS \2/p')"
    log "PostgreSQL up: $PG_VERSION, socket $PG_BASE/sock"
    return 0
}

# The largest VmHWM (KiB) of the server's processes (postmaster, backends, parallel workers), sampled every
# 0.2 s into FILE while it runs: pg_watch_start FILE; ...; pg_watch_stop -> PG_PEAK_MIB
pg_watch_start() {
    local f=$1
    echo 0 >"$f"
    (
        peak=0
        while :; do
            for p in "$PG_PID" $(pgrep -P "$PG_PID" 2>/dev/null); do
                v=$(awk '/^VmHWM:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
                [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v && echo "$peak" >"$f"
            done
            sleep 0.2
        done
    ) &
    PG_WATCH_PID=$!
    PG_WATCH_FILE=$f
}
pg_watch_stop() {
    kill "$PG_WATCH_PID" 2>/dev/null || true
    wait "$PG_WATCH_PID" 2>/dev/null || true
    PG_PEAK_MIB=$(awk '{ printf "%.1f", $1 / 1024 }' "$PG_WATCH_FILE")
}

# What `timed` runs for the PostGIS load: the streets with ogr2ogr (GiST index made by it), the CSVs
# with \copy into text-typed staging tables, then audit_postgis_load.sql (points, GiST indexes, ANALYZE).
# args: PSQL-BIN SOCKET STREETS.gpkg LAMPS.csv DEFECTS.csv LOAD.sql
# shellcheck disable=SC2016
AU_LOAD_SH='set -euo pipefail
psql=$1 sock=$2 streets=$3 lamps=$4 defects=$5 sql=$6
q() { "$psql" -h "$sock" -U postgres -X -q -v ON_ERROR_STOP=1 -d safemap "$@"; }
ogr2ogr -f PostgreSQL "PG:host=$sock dbname=safemap user=postgres" "$streets" streets -nln streets -overwrite \
    -lco GEOMETRY_NAME=geom -lco FID=fid -lco SPATIAL_INDEX=GIST -gt 65536
q -c "DROP TABLE IF EXISTS lamps_csv, defects_csv;
      CREATE TABLE lamps_csv (unit_id text, easting float8, northing float8, lumens float8, height float8);
      CREATE TABLE defects_csv (easting float8, northing float8, category text, reported date, fixed date);"
q -c "\\copy lamps_csv FROM '"'"'$lamps'"'"' WITH (FORMAT csv, HEADER true)"
q -c "\\copy defects_csv FROM '"'"'$defects'"'"' WITH (FORMAT csv, HEADER true)"
q -f "$sql"'

entry_audit() {
    local size=$1 p input meta nseg
    local out="$SCRATCH/out" logs="$SCRATCH/logs" name="audit_${size}"
    p=$(input_audit "$size")
    meta="${p}_meta.json"
    nseg=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["segments"])' "$meta")
    input=$("$PY" -c 'import json, sys; m = json.load(open(sys.argv[1]))
def k(n): return "%dk" % round(n / 1e3) if n < 1e6 else "%.2gM" % (n / 1e6)
print("%s seg %s lamps" % (k(m["segments"]), k(m["lamps"])))' "$meta")
    local sm_out="$out/${name}_safemap.gpkg" pg_csv="$out/${name}_postgis.csv"
    rm -f "$sm_out" "$pg_csv" "$out/${name}_diff.csv"
    local jobs=${THREADS:-$AU_JOBS}
    SM_NOTE="whole run -j $jobs: read, node, light, gaps, defects, crimes + KDE, priorities, write" \
        run_safemap audit "$input" "${name}_safemap" \
        audit --streets "${p}_streets.gpkg" --lights "${p}_lamps.csv" --defects "${p}_defects.csv" "${p}_crimes.csv" \
        --x X --y Y --crs EPSG:27700 -o "$sm_out" --overwrite -v -v -j "$jobs"
    local sm_ok=$SM_OK sm_wall=$SM_WALL sm_rss=$T_RSS
    # the same run without the crimes (lighting, gaps and defects: what the SQL computes, plus safemap's
    # other layers), for the like-for-like ratio
    if [ "$sm_ok" -eq 1 ]; then
        SM_TOOL="safemap nocrimes" SM_NOTE="the same without CRIMES (no crime counts, no KDE)" \
            run_safemap audit "$input" "${name}_safemap_nocrimes" \
            audit --streets "${p}_streets.gpkg" --lights "${p}_lamps.csv" --defects "${p}_defects.csv" \
            -o "$out/${name}_safemap_nocrimes.gpkg" --overwrite -q -j "$jobs"
    fi
    local nc_wall=${SM_WALL:-}
    local summary
    summary=$(sed -n 's/^safemap audit: \([0-9]* segments, .*\)$/\1/p' "$logs/${name}_safemap.log" | head -n 1)
    NOTES+=("audit $size: generator $(tr -d '\n ' <"$meta"); safemap: ${summary:-no summary line}")

    if ! pg_start; then
        add_row audit "$input" "PostGIS" - - - "$PG_WHY"
        return 0
    fi
    local load_args=("$PG_BIN/psql" "$PG_BASE/sock" "${p}_streets.gpkg" "${p}_lamps.csv" "${p}_defects.csv"
        "$SCRIPT_DIR/audit_postgis_load.sql")
    log "audit $input: PostGIS load (ogr2ogr streets, \\copy lamps + defects, points + GiST indexes)"
    pg_watch_start "$logs/${name}_pg_load.peak"
    timed "${name}_pg_load" bash -c "$AU_LOAD_SH" _ "${load_args[@]}"
    pg_watch_stop
    local l_wall=$T_WALL l_rc=$T_RC l_peak=$PG_PEAK_MIB
    if [ "$l_rc" -ne 0 ]; then
        add_row audit "$input" "PostGIS load" "$l_wall" "$l_peak" - "FAILED exit $l_rc (log: $logs/${name}_pg_load.log)"
        return 0
    fi
    log "audit $input: PostGIS compute (audit_postgis.sql)"
    pg_watch_start "$logs/${name}_pg_compute.peak"
    timed "${name}_pg_compute" "${PSQL[@]}" -d safemap -f "$SCRIPT_DIR/audit_postgis.sql"
    pg_watch_stop
    local c_wall=$T_WALL c_rc=$T_RC c_peak=$PG_PEAK_MIB
    if [ "$c_rc" -ne 0 ]; then
        add_row audit "$input" "PostGIS SQL" "$c_wall" "$c_peak" - "FAILED exit $c_rc (log: $logs/${name}_pg_compute.log)"
        return 0
    fi
    # the result, untimed
    "${PSQL[@]}" -d safemap -c "\\copy (SELECT r.id, ST_Length(s.geom) AS length, r.n_samples, r.lux_avg, r.lux_min, r.defects_open FROM audit_result r JOIN streets s USING (id) ORDER BY s.fid) TO '$pg_csv' WITH (FORMAT csv, HEADER true)" \
        >"$logs/${name}_pg_export.log" 2>&1 || { add_row audit "$input" "PostGIS SQL" "$c_wall" "$c_peak" - "export failed (log: $logs/${name}_pg_export.log)"; return 0; }
    local agree="not compared: safemap failed"
    if [ "$sm_ok" -eq 1 ]; then
        agree=$("$PY" "$SCRIPT_DIR/compare_audit.py" "$sm_out" "$pg_csv" --segments "$nseg" \
            --diff-csv "$out/${name}_diff.csv" 2>>"$logs/${name}_compare.log") ||
            agree="compare failed (log: $logs/${name}_compare.log)"
    fi
    local tot
    tot=$(awk -v a="$l_wall" -v b="$c_wall" 'BEGIN{ printf "%.3f", a + b }')
    add_row audit "$input" "PostGIS load" "$l_wall" "$l_peak" "$(ratio "$l_wall" "$sm_wall")" "ogr2ogr + \\copy + GiST indexes + ANALYZE"
    add_row audit "$input" "PostGIS SQL" "$c_wall" "$c_peak" "$(ratio "$c_wall" "$sm_wall")" "$agree"
    add_row audit "$input" "PostGIS total" "$tot" "$(awk -v a="$l_peak" -v b="$c_peak" 'BEGIN{ print (a > b ? a : b) }')" \
        "$(ratio "$tot" "$sm_wall")" "load + SQL vs safemap's whole run (vs no crimes: $(ratio "$tot" "$nc_wall"))"
    local steps
    steps=$("$PY" - "$logs/${name}_pg_compute.log" <<'PYEOF'
import re, statistics, sys
runs, cur = [], None
for line in open(sys.argv[1]):
    m = re.match(r"step (\w+)", line)
    if m:
        if m.group(1) == "lamps_lit":
            runs.append({})
        cur = m.group(1)
        continue
    m = re.match(r"Time: ([0-9.]+) ms", line)
    if m and cur and runs:
        runs[-1][cur] = runs[-1].get(cur, 0) + float(m.group(1)) / 1000
names = [n for n in ("lamps_lit", "samples", "illuminance", "per_segment", "defects", "result") if any(n in r for r in runs)]
print(", ".join("%s %.2f s" % (n, statistics.median(r.get(n, 0) for r in runs)) for n in names))
PYEOF
)
    NOTES+=("audit $size: PostGIS SQL steps (medians): $steps; $PG_VERSION; server peak = largest VmHWM of its processes (shared buffers touched included), sampled every 0.2 s; settings: $PG_SETTINGS")
}

# ---------------------------------------------------------------- tiles
# entry tiles: the KDE surface of the `kde` box (default convention, quartic, r KDE_RADIUS, KDE_CELL m
# cells; made once, untimed) cut into Web Mercator tiles over zooms TILES_ZOOMS: safemap tiles -j
# TILES_JOBS (colour tiles, value tiles beside them, empty tiles skipped) against gdal2tiles.py
# --processes=TILES_JOBS --xyz, which can only cut an 8-bit image: it gets the same surface coloured with
# safemap's classes by gdaldem color-relief (an RGBA GeoTIFF, made once, untimed). Both with nearest-
# neighbour resampling, no web page from gdal2tiles (-w none); each run starts from an empty directory.
TILES_ZOOMS=10-16
TILES_JOBS=2
# timed_fresh DIR LOGNAME CMD...: timed, each of the $RUNS runs from DIR removed (untimed)
timed_fresh() {
    local dir=$1 name=$2 runs=$RUNS walls=() rss=0 i
    shift 2
    for ((i = 1; i <= runs; i++)); do
        rm -rf "$dir"
        RUNS=1 timed "$name" "$@"
        walls+=("$T_WALL")
        awk -v a="$T_RSS" -v b="$rss" 'BEGIN{exit !(a > b)}' && rss=$T_RSS
        [ "$T_RC" -eq 0 ] || break
    done
    T_WALL=$(printf '%s\n' "${walls[@]}" | median)
    T_RSS=$rss
}

# entry python: the same kde and hotspots runs from the Python package (python_call.py) and from the command
# line, whole processes timed alike, run by run in turn; ratio = CLI wall / Python wall (1.00 = no overhead;
# 0.95 = Python takes 5% longer); agree = the output files' bytes equal. A note gives the call alone (the
# library call and the write, without Python's start-up and the imports) against the CLI's wall time.
entry_python() {
    local size=$1 csv out="$SCRATCH/out" logs="$SCRATCH/logs"
    csv=$(input_bng_csv "$size")
    local pylib
    pylib=$(ls "$(dirname "$(dirname "$SAFEMAP")")"/libsafemap.so.* 2>/dev/null | head -1)
    if ! have_safemap || [ -z "$pylib" ]; then
        add_row python "$size" safemap - - - "not built ($SAFEMAP, libsafemap.so)"
        return 0
    fi
    # The package as an installation leaves it: a copy, byte-compiled (else, when the environment says
    # PYTHONDONTWRITEBYTECODE, every run would compile it again and the start-up would be some 20 ms longer).
    local pkg="$SCRATCH/pypkg"
    rm -rf "$pkg" && mkdir -p "$pkg" && cp -r "$REPO_ROOT/bindings/python/safemap" "$pkg/" &&
        rm -rf "$pkg/safemap/__pycache__" && "$PY" -m compileall -q "$pkg/safemap" ||
        { add_row python "$size" safemap - - - "FAILED (copying and byte-compiling the package into $pkg)"; return 0; }
    # What the CLI spends outside its work (start-up, loading GDAL, exit): safemap --version, median of 9. The
    # call alone in Python is to be set against the CLI's wall time less this.
    local starts=() cs i t0 t1
    for ((i = 1; i <= 9; i++)); do
        t0=$(date +%s%N); "$SAFEMAP" --version > /dev/null 2>&1; t1=$(date +%s%N)
        starts+=("$(( (t1 - t0) / 1000000 ))")
    done
    cs=$(printf '%s\n' "${starts[@]}" | median | awk '{printf "%.3f", $1 / 1000}')
    local cmd args input tag
    for tag in kde hotspots hotspots250k; do
        if [ "$tag" = kde ]; then
            input="${size} kde r${KDE_RADIUS} ${KDE_CELL}m"
            args=("$csv" --x X --y Y --crs EPSG:27700 --kernel quartic --bandwidth "$KDE_RADIUS" --cell "$KDE_CELL")
            cmd=kde
        elif [ "$tag" = hotspots ]; then
            input="${size} hotspots 40k p${HS_NSIM}"
            args=("$csv" --x X --y Y --crs EPSG:27700 --grid fishnet --cell "$HS_CELL" --band "$HS_BAND"
                  --extent "$KDE_BOX" --permutations "$HS_NSIM")
            cmd=hotspots
        else
            input="${size} hotspots 250k"
            args=("$(input_bng_csv "$size" "$HS_BOX50")" --x X --y Y --crs EPSG:27700 --grid fishnet --cell "$HS_CELL"
                  --band "$HS_BAND" --extent "$HS_BOX50")
            cmd=hotspots
        fi
        local ext=tif
        [ "$cmd" = hotspots ] && ext=csv
        local cli_out="$out/python_${size}_${tag}_cli.$ext" py_out="$out/python_${size}_${tag}_py.$ext"
        local cli_walls=() py_walls=() calls=() i t0 t1 rc=0
        log "python $input: safemap $cmd and python_call.py $cmd, $RUNS runs each, in turn"
        for ((i = 1; i <= RUNS; i++)); do
            t0=$(date +%s%N)
            "$SAFEMAP" "$cmd" "${args[@]}" -o "$cli_out" --overwrite -q "${SM_JOBS[@]}" >>"$logs/python_${size}_${tag}_cli.log" 2>&1 || rc=1
            t1=$(date +%s%N)
            cli_walls+=("$(( (t1 - t0) / 1000000 ))")
            t0=$(date +%s%N)
            SAFEMAP_LIBRARY="$pylib" PYTHONPATH="$pkg" "$PY" "$SCRIPT_DIR/python_call.py" "$cmd" "$py_out" \
                --call-time "$logs/python_${size}_${tag}.call" "${args[@]}" ${THREADS:+--threads "$THREADS"} \
                >>"$logs/python_${size}_${tag}_py.log" 2>&1 || rc=1
            t1=$(date +%s%N)
            py_walls+=("$(( (t1 - t0) / 1000000 ))")
            calls+=("$(cut -d' ' -f1 "$logs/python_${size}_${tag}.call" 2>/dev/null || echo 0)")
            [ "$rc" -eq 0 ] || break
        done
        if [ "$rc" -ne 0 ]; then
            add_row python "$input" safemap - - - "FAILED (logs: $logs/python_${size}_${tag}_*.log)"
            continue
        fi
        local cw pw cl agree="files differ"
        cw=$(printf '%s\n' "${cli_walls[@]}" | median | awk '{printf "%.3f", $1 / 1000}')
        pw=$(printf '%s\n' "${py_walls[@]}" | median | awk '{printf "%.3f", $1 / 1000}')
        cl=$(printf '%s\n' "${calls[@]}" | median)
        cmp -s "$cli_out" "$py_out" && agree="same output bytes"
        add_row python "$input" "safemap (CLI)" "$cw" - 1.00 "(reference)"
        add_row python "$input" "Python package" "$pw" - "$(ratio "$cw" "$pw")" "$agree"
        NOTES+=("python $input: Python process $pw s against the CLI's $cw s ($(awk -v p="$pw" -v c="$cw" 'BEGIN{printf "%+.1f", 100 * (p - c) / c}')%); the call and write alone $cl s ($(awk -v p="$cl" -v c="$cw" 'BEGIN{printf "%+.1f", 100 * (p - c) / c}')% of the CLI's wall time, $(awk -v p="$cl" -v c="$cw" -v s="$cs" 'BEGIN{printf "%+.1f", 100 * (p - (c - s)) / (c - s)}')% of its wall time less its start-up and exit, $cs s)")
    done
}

entry_tiles() {
    local size=$1 csv out="$SCRATCH/out" logs="$SCRATCH/logs"
    csv=$(input_bng_csv "$size")
    local input="${size} pts z${TILES_ZOOMS}"
    local kde="$out/tiles_${size}_kde.tif" rgba="$out/tiles_${size}_rgba.tif" cols="$out/tiles_${size}_colours.txt"
    local smdir="$out/tiles_${size}_safemap" g2dir="$out/tiles_${size}_gdal2tiles"
    if ! have_safemap; then
        add_row tiles "$input" safemap - - - "not built ($SAFEMAP)"
        return 0
    fi
    if [ ! -s "$kde" ]; then
        log "tiles $size: the KDE surface (untimed) -> $kde"
        "$SAFEMAP" kde "$csv" --x X --y Y --crs EPSG:27700 --kernel quartic --bandwidth "$KDE_RADIUS" \
            --cell "$KDE_CELL" -o "$kde.tmp.tif" --overwrite -q "${SM_JOBS[@]}" >"$logs/tiles_${size}_kde.log" 2>&1 ||
            { add_row tiles "$input" safemap - - - "kde FAILED (log: $logs/tiles_${size}_kde.log)"; return 0; }
        mv -f "$kde.tmp.tif" "$kde"
    fi
    # colour tiles only (what gdal2tiles makes), then with the value tiles
    local sm_wall="" nv_wall="" sm_n sm_nv sm_empty
    log "tiles $input: safemap tiles -j $TILES_JOBS --no-values"
    timed_fresh "$smdir" "tiles_${size}_safemap_novalues" "$SAFEMAP" tiles "$kde" --zoom "$TILES_ZOOMS" \
        -j "$TILES_JOBS" --no-values -o "$smdir"
    if [ "$T_RC" -ne 0 ]; then
        add_row tiles "$input" "safemap --no-values" "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/tiles_${size}_safemap_novalues.log)"
    else
        nv_wall=$T_WALL
        add_row tiles "$input" "safemap --no-values" "$T_WALL" "$T_RSS" 1.00 "$(find "$smdir/kde" -name '*.png' | wc -l) colour tiles"
    fi
    log "tiles $input: safemap tiles -j $TILES_JOBS"
    timed_fresh "$smdir" "tiles_${size}_safemap" "$SAFEMAP" tiles "$kde" --zoom "$TILES_ZOOMS" -j "$TILES_JOBS" -o "$smdir"
    if [ "$T_RC" -ne 0 ]; then
        add_row tiles "$input" "safemap -j $TILES_JOBS" "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/tiles_${size}_safemap.log)"
        return 0
    fi
    sm_wall=$T_WALL
    sm_n=$(find "$smdir/kde" -name '*.png' | wc -l)
    sm_nv=$(find "$smdir/kde_values" -name '*.png' | wc -l)
    sm_empty=$(sed -n 's/.*(\([0-9,]*\) empty.*/\1/p' "$logs/tiles_${size}_safemap.log" | tail -n 1)
    add_row tiles "$input" "safemap -j $TILES_JOBS" "$sm_wall" "$T_RSS" 1.00 \
        "$sm_n colour + $sm_nv value tiles (${sm_empty:-?} empty not written)"
    if ! command -v gdal2tiles.py >/dev/null || ! command -v gdaldem >/dev/null; then
        add_row tiles "$input" gdal2tiles - - - "not installed (gdal-bin, python3-gdal)"
        return 0
    fi
    if [ ! -s "$rgba" ]; then
        # safemap's classes (from its manifest) as gdaldem colours: transparent at and below the threshold
        "$PY" - "$smdir/safemap_map.json" >"$cols" <<'PYEOF'
import json, sys
s = json.load(open(sys.argv[1]))["tilesets"][0]["style"]
print("nv 0 0 0 0")
print("%r 0 0 0 0" % s["threshold"])
for c in s["classes"]:
    h = c["color"].lstrip("#")
    print("%r %d %d %d %d" % (c["upper"], int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), round(255 * c["opacity"])))
PYEOF
        gdaldem color-relief -q -alpha -nearest_color_entry "$kde" "$cols" "$rgba.tmp.tif" -co TILED=YES &&
            mv -f "$rgba.tmp.tif" "$rgba" || { add_row tiles "$input" gdal2tiles - - - "gdaldem color-relief FAILED"; return 0; }
    fi
    log "tiles $input: gdal2tiles.py --processes=$TILES_JOBS --xyz -z $TILES_ZOOMS"
    timed_fresh "$g2dir" "tiles_${size}_gdal2tiles" gdal2tiles.py --processes="$TILES_JOBS" --xyz -z "$TILES_ZOOMS" \
        -r near -w none -q "$rgba" "$g2dir"
    if [ "$T_RC" -ne 0 ]; then
        add_row tiles "$input" gdal2tiles "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $logs/tiles_${size}_gdal2tiles.log)"
        return 0
    fi
    local g2_n
    g2_n=$(find "$g2dir" -name '*.png' | wc -l)
    add_row tiles "$input" "gdal2tiles -p $TILES_JOBS" "$T_WALL" "$T_RSS" "$(ratio "$T_WALL" "$sm_wall")" \
        "$g2_n colour tiles; $(ratio "$T_WALL" "$nv_wall") x the time of safemap --no-values"
    NOTES+=("tiles $size: gdal2tiles.py cannot colour a float surface: it cut an RGBA GeoTIFF made once (untimed) by gdaldem color-relief -nearest_color_entry with safemap's classes; it writes every tile over the image's extent, transparent or not; safemap skips tiles with nothing drawn and, unless --no-values, writes a value tile beside each colour tile. Ratio: gdal2tiles' wall time over safemap's (median of $RUNS), output directories emptied before each run, untimed")
}

# ---------------------------------------------------------------- main

export QT_QPA_PLATFORM=offscreen
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$SCRATCH/runtime}"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

for e in "${RUN_ENTRIES[@]}"; do
    declare -F "entry_$e" >/dev/null || die "entry '$e' has no function entry_$e"
done

log "repo $REPO_ROOT, scratch $SCRATCH, wards $WARDS, seed $SEED, runs $RUNS${THREADS:+, safemap -j $THREADS}"
for e in "${RUN_ENTRIES[@]}"; do
    for s in "${SIZE_LIST[@]}"; do
        "entry_$e" "$s"
    done
done

{
    echo "# safemap bench $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, seed $SEED, runs $RUNS${THREADS:+, safemap -j $THREADS}"
    if have_safemap; then
        echo "# safemap: $SAFEMAP ($("$SAFEMAP" --version 2>/dev/null | head -n 1 || true))"
    else
        echo "# safemap: $SAFEMAP (not built)"
    fi
    if have_qgis; then
        echo "# qgis: $(dpkg-query -W -f '${Version}' qgis 2>/dev/null || echo '?'), $(ogr2ogr --version)"
    fi
    if printf '%s\n' "${RUN_ENTRIES[@]}" | grep -qx kde; then
        if have_spatstat; then
            echo "# spatstat: $("$RSCRIPT" -e 'cat(R.version.string, ", spatstat.explore ", format(packageVersion("spatstat.explore")), sep = "")' 2>/dev/null)"
        fi
        echo "# cpu: $(machine_peak)"
        measured_peaks
        [ "$PEAKS" = none ] || echo "# cpu: measured peak of one core (roofline.c --peak): $(awk '$1 == "peak" { printf "%s%s %s GFLOP/s", (n++ ? ", " : ""), $2, $3 }' <<<"$PEAKS")"
    fi
    if printf '%s\n' "${RUN_ENTRIES[@]}" | grep -Eqx 'hotspots|emerging' && have_spdep; then
        echo "# spdep: $("$RSCRIPT" -e 'cat(R.version.string, ", spdep ", format(packageVersion("spdep")), ", dbscan ", if (requireNamespace("dbscan", quietly = TRUE)) format(packageVersion("dbscan")) else "not installed", sep = "")' 2>/dev/null); spdep runs serially (no set.coresOption)"
    fi
    if printf '%s\n' "${RUN_ENTRIES[@]}" | grep -qx scan && have_dbscan; then
        echo "# scan_R.R: $("$RSCRIPT" -e 'cat(R.version.string, ", dbscan ", format(packageVersion("dbscan")), sep = "")' 2>/dev/null); one core"
    fi
    if printf '%s\n' "${RUN_ENTRIES[@]}" | grep -qx nearrepeat && have_nearrepeat_pkg; then
        echo "# NearRepeat: $("$RSCRIPT" -e 'cat(R.version.string, ", NearRepeat ", format(packageVersion("NearRepeat")), ", future.apply ", format(packageVersion("future.apply")), sep = "")' 2>/dev/null); sequential plan (one core)"
    fi
    if printf '%s\n' "${RUN_ENTRIES[@]}" | grep -qx nearrepeat && have_dbscan; then
        echo "# knox_R.R: $("$RSCRIPT" -e 'cat(R.version.string, ", dbscan ", format(packageVersion("dbscan")), sep = "")' 2>/dev/null); one core"
    fi
    print_table
} | tee "$SCRATCH/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
