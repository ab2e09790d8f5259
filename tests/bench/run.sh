#!/usr/bin/env bash
# safemap benchmark harness: runs safemap beside peer tools on the same
# inputs and prints one table (wall time, peak RSS, ratio, agreement).
# Not part of the test suite. See tests/bench/README.md.
#
# usage: tests/bench/run.sh [--sizes 10k,100k,1M] [--only count[,...]]
#                           [--safemap PATH] [--threads N] [--seed N]
#                           [--runs N] [--scratch DIR] [--wards GPKG] [--list]
#
#   --sizes    input sizes (rows of synthetic incidents); k and M suffixes
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
SCRATCH="$REPO_ROOT/build/bench"

# Every entry is a function entry_<name> SIZE, listed here in run order.
ENTRIES=(count)

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
    local fmt="%-8s %-22s %-14s %9s %9s %7s  %s\n"
    # shellcheck disable=SC2059
    printf "$fmt" entry input tool wall_s rss_MiB ratio agree
    # shellcheck disable=SC2059
    printf "$fmt" -------- ---------------------- -------------- --------- --------- ------- "$(printf '%*s' "$w_agree" '' | tr ' ' -)"
    for r in "${ROWS[@]}"; do
        IFS=$'\t' read -r -a f <<<"$r"
        # shellcheck disable=SC2059
        printf "$fmt" "${f[@]}"
    done
}

# ---------------------------------------------------------------- tools

have_safemap() { [ -x "$SAFEMAP" ]; }
have_qgis() { [ -x "$QGIS_PROCESS" ]; }

# extra safemap arguments for --threads
SM_JOBS=()
[ -z "$THREADS" ] || SM_JOBS=(-j "$THREADS")

# Runs the safemap step of an entry: sets SM_WALL and SM_OK (1 if it ran
# and exited 0); adds the safemap row.
run_safemap() { # run_safemap ENTRY INPUTLABEL LOGNAME ARGS...
    local entry=$1 input=$2 name=$3; shift 3
    SM_OK=0
    SM_WALL=""
    if ! have_safemap; then
        add_row "$entry" "$input" safemap - - - "not built ($SAFEMAP)"
        return 0
    fi
    log "$entry $input: safemap $*"
    timed "$name" "$SAFEMAP" "$@"
    if [ "$T_RC" -ne 0 ]; then
        add_row "$entry" "$input" safemap "$T_WALL" "$T_RSS" - "FAILED exit $T_RC (log: $SCRATCH/logs/$name.log)"
        return 0
    fi
    SM_OK=1
    SM_WALL=$T_WALL
    add_row "$entry" "$input" safemap "$T_WALL" "$T_RSS" 1.00 "(reference)"
}

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
    print_table
} | tee "$SCRATCH/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
