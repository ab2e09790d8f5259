#!/usr/bin/env bash
# safemap set-up, build, demo and tests on Debian/Ubuntu.
#
#   ./build.sh demo       install what is missing, build, run safemap on data/
#   ./build.sh test       install what is missing (with test tools), build with
#                         -Werror, run the whole test suite
#   ./build.sh sanitize   the test suite built with AddressSanitizer + UBSan (gcc), then
#                         the unit tests and the fuzz corpora's replay built with
#                         clang's ASan + UBSan
#   ./build.sh build      install what is missing, build, and install safemap (below)
#   ./build.sh demo-only  run the demo only (no install, no build), with
#                         SAFEMAP=path/to/safemap (default build/cli/safemap)
#                         and SAFEMAP_DEMO_OUT=folder (default out)
#
# As root, missing Debian packages are installed with apt-get; otherwise the
# exact 'sudo apt-get install ...' line is printed and nothing else happens.
# demo, test and build then install safemap (the program, the library, its
# headers, CMake and pkg-config files, and the Python package): as root into
# /usr/local, otherwise into ~/.local (the Python package into the user's
# site-packages); so `python3 -c "import safemap"` works from a new shell.
# SAFEMAP_NO_INSTALL=1 skips that.
# SAFEMAP and SAFEMAP_DEMO_OUT apply to 'demo' too (defaults as above).
set -euo pipefail
# SAFEMAP and SAFEMAP_DEMO_OUT may be relative to where this was started.
for v in SAFEMAP SAFEMAP_DEMO_OUT; do
  case "${!v:-}" in "" | /*) ;; *) printf -v "$v" '%s/%s' "$PWD" "${!v}" ;; esac
done
cd "$(dirname "${BASH_SOURCE[0]}")"

BUILD_PKGS=(build-essential cmake pkg-config libgdal-dev zlib1g-dev libproj-dev libgeos-dev libspatialite-dev
            libsqlite3-dev libcmocka-dev libjs-leaflet python3-numpy)
# Test tools: ogr2ogr/ogrinfo and SpatiaLite SQL for the independent counts,
# PostgreSQL + PostGIS for the PG: source test, clang (and its OpenMP) for the
# second sanitizer build and the fuzz targets (tests/fuzz/README.md), networkx
# for the routes' golden test (tests/golden/route), QGIS's Python API for the styles test (tests/qgis), R's
# classInt for the classification's golden values (tests/golden/style), Chromium and PIL for the map
# page in a browser (tests/viewer), GDAL's Python and numpy for the plans' golden test (tests/golden/plan).
# libjs-leaflet: the viewer embeds Leaflet. python3-numpy: the Python package's arrays; pytest, pandas and
# geopandas for its tests (tests/python); qgis for qgis_process.bin (the Processing provider, tests/qgis/test_provider.sh).
# Open MPI (libopenmpi-dev, openmpi-bin): the test build shares work over MPI ranks, and tests/cli/test_mpi.sh
# runs mpirun -np 2 against one process (a build without them is the same program, one process).
TEST_PKGS=(libopenmpi-dev openmpi-bin gdal-bin sqlite3 postgresql postgresql-postgis clang libomp-dev python3-networkx python3-qgis r-cran-classint chromium python3-pil python3-gdal python3-numpy
           python3-pytest python3-pandas python3-geopandas python3-venv python3-pip qgis)
JOBS=$(nproc 2> /dev/null || echo 2)

# Bold headings only when stderr is a terminal that understands them.
if [ -t 2 ] && [ "${TERM:-dumb}" != dumb ] && [ -z "${NO_COLOR:-}" ]; then
  say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
else
  say() { printf '==> %s\n' "$*" >&2; }
fi

# apt_progress START: reads apt-get install's output, prints a line per
# package unpacked and set up (and one per 20 files downloaded) with the
# seconds since START.
apt_progress() {
  local start=$1 got=0 line
  while IFS= read -r line; do
    case "$line" in
      Get:*)
        got=$((got + 1))
        if [ $((got % 20)) -eq 1 ]; then echo "    downloading: file $got ($((SECONDS - start)) s)" >&2; fi
        ;;
      Unpacking\ *) line=${line#Unpacking }; echo "    unpacking ${line% ...} ($((SECONDS - start)) s)" >&2 ;;
      Setting\ up\ *) line=${line#Setting up }; echo "    setting up ${line% ...} ($((SECONDS - start)) s)" >&2 ;;
    esac
  done
  return 0
}

ensure_packages() {
  if ! command -v dpkg-query > /dev/null; then
    echo "build.sh: this script installs dependencies on Debian/Ubuntu only; install the equivalents of: $*" >&2
    return 0
  fi
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "build.sh: these packages are missing; install them, then run this again:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  local log=/tmp/safemap-apt.log start=$SECONDS
  say "installing ${#missing[@]} Debian packages and what they depend on (log: $log):"
  echo "${missing[*]}" | fold -s -w 72 | sed 's/^/    /' >&2
  export DEBIAN_FRONTEND=noninteractive
  echo "    apt-get update ..." >&2
  apt-get update > "$log" 2>&1 || { tail -20 "$log" >&2; exit 1; }
  echo "    apt-get update done ($((SECONDS - start)) s); downloading and installing:" >&2
  # One line per package unpacked and set up, and the elapsed time, so a long
  # install does not look hung.
  if ! apt-get install -y --no-install-recommends "${missing[@]}" 2>&1 | tee -a "$log" | apt_progress "$start"; then
    tail -20 "$log" >&2
    exit 1
  fi
  say "installed in $((SECONDS - start)) s"
}

configure_and_build() { # dir, extra cmake args...
  local dir=$1
  shift
  say "building in $dir"
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release "$@" > "$dir.cmake.log" 2>&1 ||
    { mkdir -p "$dir"; cat "$dir.cmake.log" >&2; exit 1; }
  cmake --build "$dir" -j "$JOBS"
}

# Installs what build/ holds: as root into /usr/local (then ldconfig), else into ~/.local.
install_safemap() {
  [ -n "${SAFEMAP_NO_INSTALL:-}" ] && return 0
  local args=() log=build.install.log
  if [ "$(id -u)" -ne 0 ]; then
    args=(--prefix "$HOME/.local")
    cmake -S . -B build -DSM_PYTHON_SITEDIR="$(/usr/bin/python3 -c 'import site; print(site.getusersitepackages())')" \
      > /dev/null
  fi
  say "installing safemap ${args[*]:+into ${args[1]} }(log: $log)"
  cmake --install build "${args[@]}" > "$log" 2>&1 || { cat "$log" >&2; exit 1; }
  [ "$(id -u)" -ne 0 ] || ldconfig
  local py
  py=$(cd / && /usr/bin/python3 -c 'import safemap; print(safemap.__file__)' 2> /dev/null) &&
    echo "    Python: import safemap ($py)" >&2
}

demo() {
  local sm=${SAFEMAP:-build/cli/safemap} out=${SAFEMAP_DEMO_OUT:-out}
  [ -x "$sm" ] || { echo "build.sh: no safemap program at $sm (run ./build.sh build, or set SAFEMAP)" >&2; exit 1; }
  mkdir -p "$out"
  say "safemap info: Camden burglary, 36 months of police.uk CSVs, 2024 wards"
  "$sm" info data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg
  say "safemap count -> $out/camden_burglary_counts.gpkg (open it in QGIS)"
  "$sm" count data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \
    -o "$out/camden_burglary_counts.gpkg" --overwrite
  "$sm" count data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \
    -o "$out/camden_burglary_counts.csv" --overwrite -q
  say "per-ward table ($out/camden_burglary_counts.csv), first rows:"
  head -6 "$out/camden_burglary_counts.csv"
  say "safemap kde -> $out/camden_burglary_kde.gpkg (quartic, 250 m radius, 25 m cells, burglaries per km², hot-spot areas) and its map tiles in $out/camden_map"
  "$sm" kde data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \
    --bandwidth 250 --cell 25 --hotspot-areas 50,75,90 -o "$out/camden_burglary_kde.gpkg" --overwrite \
    --tiles "$out/camden_map"
  say "safemap hotspots -> $out/camden_burglary_hotspots.gpkg (Gi* and local Moran's I by ward, queen contiguity)"
  "$sm" hotspots data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \
    -o "$out/camden_burglary_hotspots.gpkg" --overwrite
  say "safemap hotspots --optimised -> $out/camden_burglary_hotspots_optimised.gpkg (cells and band chosen from the data), and the hot cells on the map in $out/camden_map"
  "$sm" hotspots data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --grid fishnet --optimised \
    -o "$out/camden_burglary_hotspots_optimised.gpkg" --overwrite --tiles "$out/camden_map"
  say "safemap emerging -> $out/camden_burglary_emerging.gpkg (emerging hot spots by ward and month)"
  "$sm" emerging data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg \
    -o "$out/camden_burglary_emerging.gpkg" --overwrite
  say "safemap nearrepeat -> $out/camden_burglary_near_repeat.csv (Knox table in months: police.uk dates are months)"
  "$sm" nearrepeat data/police/camden_burglary --time-unit month --space-bands 0,100,200,400 --time-bands 0,1,2,3 \
    --permutations 99 --seed 1 -o "$out/camden_burglary_near_repeat.csv" --overwrite
  say "safemap scan -> $out/camden_burglary_scan.gpkg (space-time permutation scan by ward and month)"
  "$sm" scan data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --max-window 6 \
    --permutations 999 --seed 1 -o "$out/camden_burglary_scan.gpkg" --overwrite
  say "safemap scan --centres incidents --prospective -> $out/camden_burglary_scan_now.gpkg (circles <= 500 m, last 3 months)"
  "$sm" scan data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --centres incidents --max-radius 500 \
    --max-window 3 --prospective --permutations 999 --seed 1 -o "$out/camden_burglary_scan_now.gpkg" --overwrite
  say "safemap forecast --at 2025-03 -> $out/camden_burglary_promap.gpkg (next month's ProMap surface and its top 5% cells)"
  "$sm" forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --at 2025-03 \
    -o "$out/camden_burglary_promap.gpkg" --overwrite
  say "safemap forecast --backtest -> $out/camden_burglary_backtest.csv (ProMap vs KDE vs last month, hit rate and PAI at 5%)"
  "$sm" forecast data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --backtest \
    -o "$out/camden_burglary_backtest.csv" --overwrite 2>&1 | tail -n 2
  say "safemap report -> $out/camden_report (the whole pack: every analysis, the map, the ward plans, a front page)"
  "$sm" report data/police/camden_burglary --wards data/wards/camden_wards_2024.gpkg --permutations 99 --seed 1 \
    -o "$out/camden_report" --overwrite
  say "safemap audit -> $out/holborn_audit.gpkg (Camden's lamps on Holborn and Bloomsbury's streets at 01:00, VAWG crimes)"
  "$sm" audit --streets data/streets/holborn_bloomsbury_osm.gpkg \
    --lights data/lighting/camden_lamps_holborn_bloomsbury.csv data/police/city_of_london_2023_holborn \
    --defects data/synthetic/defects_synthetic.csv --at 2023-12-31 --audits data/synthetic/walk_audits_synthetic.csv \
    --pins data/synthetic/unsafe_pins_synthetic.csv --defect-areas data/maintenance/fixmystreet_holborn \
    --defect-area-polygons data/maintenance/lsoa_2011_holborn.gpkg --defect-area-categories B19,B25,B28 \
    --wards data/wards/camden_wards_2024.gpkg --hour 01:00 -o "$out/holborn_audit.gpkg" --overwrite
  say "safemap route -> $out/holborn_route.gpkg (the shortest and the safest walk across Holborn at 01:00)"
  "$sm" route "$out/holborn_audit.gpkg" --from 530000,181500 --to 530800,181300 --hour 01:00 \
    -o "$out/holborn_route.gpkg" --overwrite
  say "done: $out/camden_burglary_counts.gpkg (layers ward_counts, ward_counts_by_month, safemap_metadata)"
  say "      $out/camden_burglary_kde.gpkg (raster kde, layer kde_hotspot_areas)"
  say "      $out/camden_burglary_hotspots.gpkg, ..._optimised.gpkg (layer hotspots)"
  say "      $out/camden_burglary_emerging.gpkg (layers emerging, emerging_bins), ..._scan.gpkg, ..._scan_now.gpkg (scan_clusters, scan_locations)"
  say "      $out/camden_burglary_promap.gpkg (raster promap, layer promap_top)"
  say "      $out/camden_burglary_near_repeat.csv, ..._backtest.csv"
  say "      $out/holborn_audit.gpkg (audit_segments, dark_stretches, audit_priorities, audit_lamps, audit_wards)"
  say "      $out/holborn_route.gpkg (routes, route_segments)"
  say "      open the GeoPackages in QGIS"
}

run_tests() { # dir
  say "running the test suite in $1"
  (cd "$1" && ctest --output-on-failure -j "$JOBS")
}

case "${1:-}" in
  demo)
    ensure_packages "${BUILD_PKGS[@]}"
    configure_and_build build
    install_safemap
    demo
    ;;
  demo-only)
    demo
    ;;
  build)
    ensure_packages "${BUILD_PKGS[@]}"
    configure_and_build build
    install_safemap
    ;;
  test)
    ensure_packages "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    configure_and_build build -DSM_WERROR=ON
    install_safemap
    run_tests build
    ;;
  sanitize)
    ensure_packages "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    # Without MPI: Open MPI's own start-up allocations (some in components it unloads, so no suppression can
    # name them) would be reported as leaks by every rank. The MPI runs are tested by the test build above.
    configure_and_build build-asan -DSM_WERROR=ON -DSM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DSAFEMAP_MPI=OFF
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
    run_tests build-asan
    # clang's sanitizers find what gcc's miss (UBSan's null-pointer arithmetic and
    # nonnull arguments, among others). To keep CI short, this build runs the unit
    # tests and the fuzz targets' replay of their corpora only (the golden and CLI
    # scripts run under gcc's ASan above). No -Werror: the warnings are gcc's job.
    # UBSan halts on the first error (-fno-sanitize-recover, halt_on_error=1).
    configure_and_build build-asan-clang -DCMAKE_C_COMPILER=clang -DSM_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug -DSAFEMAP_MPI=OFF
    # clang's OpenMP runtime (libomp) keeps its thread pool's memory to the end.
    { cat tests/lsan.supp; echo "leak:libomp.so"; } > build-asan-clang/lsan.supp
    export LSAN_OPTIONS="suppressions=$PWD/build-asan-clang/lsan.supp:print_suppressions=0"
    say "running the unit tests and the fuzz replays in build-asan-clang"
    (cd build-asan-clang && ctest --output-on-failure -j "$JOBS" -R '^(unit|fuzz)\.')
    ;;
  *)
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"
    exit 1
    ;;
esac
