# Installs safemap into a scratch prefix and builds examples/count_wards.c
# against it twice: through find_package(safemap) and through pkg-config.
set -euo pipefail
prefix="$WORKDIR/prefix"
cmake --install "$BUILDDIR" --prefix "$prefix" > "$WORKDIR/install.log"
libdir=$(dirname "$(find "$prefix" -name 'libsafemap.so' | head -1)")
test -f "$prefix/include/safemap.h" || { echo "FAIL: safemap.h not installed"; exit 1; }
test -f "$libdir/pkgconfig/safemap.pc" || { echo "FAIL: safemap.pc not installed"; exit 1; }
test -f "$libdir/cmake/safemap/safemapConfig.cmake" || { echo "FAIL: CMake package not installed"; exit 1; }
test -x "$prefix/bin/safemap" || { echo "FAIL: safemap not installed"; exit 1; }
"$prefix/bin/safemap" --version | grep -q '^safemap ' || { echo "FAIL: installed safemap does not run"; exit 1; }

# The Python package, installed with the library, finds it through its _config.py: nothing else set.
site=$(find "$prefix" -path '*-packages/safemap/__init__.py' | head -1)
test -n "$site" || { echo "FAIL: the Python package was not installed"; exit 1; }
grep -q "^LIBDIR = '$libdir'" "$(dirname "$site")/_config.py" || { echo "FAIL: _config.py does not name $libdir"; exit 1; }
# Byte-compiled by the installation, every module (a user who cannot write there would compile at each import).
for py in "$(dirname "$site")"/*.py; do
  m=$(basename "$py" .py)
  ls "$(dirname "$site")/__pycache__/$m".cpython-*.pyc > /dev/null 2>&1 ||
    { echo "FAIL: the installed package has no byte-compiled $m"; exit 1; }
done
case "${SANITIZE:-OFF}" in ON | on | 1 | TRUE | true) ;; *)
  if /usr/bin/python3 -c "import numpy" 2> /dev/null; then
    got=$(cd / && env -u SAFEMAP_LIBRARY -u LD_LIBRARY_PATH PYTHONPATH="$(dirname "$(dirname "$site")")" \
      /usr/bin/python3 -c "import safemap; print(safemap.version(), safemap.library_path())")
    [ "$got" = "$(cat "$SRCDIR/VERSION") $libdir/libsafemap.so.0" ] || { echo "FAIL: import safemap: $got"; exit 1; }
  fi ;;
esac

pts="$SRCDIR/data/police/camden_burglary"
wards="$SRCDIR/data/wards/camden_wards_2024.gpkg"

# A sanitized library needs its runtime in the program too.
san=()
case "${SANITIZE:-OFF}" in ON | on | 1 | TRUE | true) san=(-fsanitize=address,undefined) ;; esac

# 1. CMake package
cmake -S "$SRCDIR/examples" -B "$WORKDIR/ex-cmake" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_C_FLAGS="${san[*]:-}" > "$WORKDIR/cmake.log"
cmake --build "$WORKDIR/ex-cmake" > "$WORKDIR/build.log"
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/count_wards" "$pts" "$wards" "$WORKDIR/a.gpkg" > "$WORKDIR/a.txt"
grep -q '6416 burglaries' "$WORKDIR/a.txt" || { echo "FAIL: unexpected output"; cat "$WORKDIR/a.txt"; exit 1; }
grep -q 'outside every ward: 365' "$WORKDIR/a.txt" || { echo "FAIL: unexpected output"; cat "$WORKDIR/a.txt"; exit 1; }
test -f "$WORKDIR/a.gpkg"
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/kde_surface" "$pts" "$WORKDIR/k.tif" 300 > "$WORKDIR/k.txt"
grep -q '6416 points, radius 300.0 m' "$WORKDIR/k.txt" || { echo "FAIL: kde example"; cat "$WORKDIR/k.txt"; exit 1; }
test -f "$WORKDIR/k.tif"
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/kde_ranks" "$pts" "$WORKDIR/kr1.tif" > "$WORKDIR/kr.txt"
grep -q '1 rank(s): a 319 x 277 surface in 1 band(s)' "$WORKDIR/kr.txt" || { echo "FAIL: kde_ranks example"; cat "$WORKDIR/kr.txt"; exit 1; }
if command -v mpirun > /dev/null && ! "$SAFEMAP" --version | grep -q "MPI off"; then # as 2 ranks: the same file
  mpi=(mpirun --mca btl self,vader -x LD_LIBRARY_PATH="$libdir" -np 2)
  [ "$(id -u)" -eq 0 ] && mpi+=(--allow-run-as-root)
  "${mpi[@]}" "$WORKDIR/ex-cmake/kde_ranks" "$pts" "$WORKDIR/kr2.tif" > "$WORKDIR/kr.txt"
  grep -q '2 rank(s): a 319 x 277 surface' "$WORKDIR/kr.txt" || { echo "FAIL: kde_ranks on 2 ranks"; cat "$WORKDIR/kr.txt"; exit 1; }
  cmp "$WORKDIR/kr1.tif" "$WORKDIR/kr2.tif" || { echo "FAIL: kde_ranks: 2 ranks wrote another file"; exit 1; }
fi
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/hotspot_cells" "$pts" "$wards" "$WORKDIR/h.gpkg" > "$WORKDIR/h.txt"
grep -q '536 cells of 200 m, band 300 m: 46 hot and 47 cold' "$WORKDIR/h.txt" || { echo "FAIL: hotspot example"; cat "$WORKDIR/h.txt"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/hotspot_cells" "$pts" "$wards" "$WORKDIR/h2.gpkg" auto auto > "$WORKDIR/h2.txt"
grep -q '2428 cells of 94 m, band 312 m' "$WORKDIR/h2.txt" || { echo "FAIL: hotspot example (auto)"; cat "$WORKDIR/h2.txt"; exit 1; }
test -f "$WORKDIR/h.gpkg"
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/emerging_wards" "$pts" "$wards" > "$WORKDIR/e.txt"
grep -q '20 wards x 36 months: 41 hot ward-months after FDR' "$WORKDIR/e.txt" || { echo "FAIL: emerging example"; cat "$WORKDIR/e.txt"; exit 1; }
grep -q 'Holborn & Covent Garden *No Pattern Detected' "$WORKDIR/e.txt" || { echo "FAIL: emerging example (ward)"; cat "$WORKDIR/e.txt"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/hotspot_map" "$pts" "$wards" "$WORKDIR/map" > "$WORKDIR/m.txt"
grep -q 'tiles of 284 hot and 403 cold cells' "$WORKDIR/m.txt" || { echo "FAIL: map example"; cat "$WORKDIR/m.txt"; exit 1; }
test -f "$WORKDIR/map/index.html"
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/burglary_report" "$pts" "$wards" "$WORKDIR/rep" > "$WORKDIR/r.txt"
grep -q '^10 sections' "$WORKDIR/r.txt" || { echo "FAIL: report example"; cat "$WORKDIR/r.txt"; exit 1; }
test -f "$WORKDIR/rep/index.html"
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/near_repeat" "$pts" > "$WORKDIR/n.txt"
grep -q '6416 incidents, 20579320 pairs' "$WORKDIR/n.txt" || { echo "FAIL: near-repeat example"; cat "$WORKDIR/n.txt"; exit 1; }
grep -q '^same location  0-1 months        1374 pairs' "$WORKDIR/n.txt" || { echo "FAIL: near-repeat example (cell)"; cat "$WORKDIR/n.txt"; exit 1; }
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/scan_and_forecast" "$pts" "$wards" > "$WORKDIR/s.txt"
grep -q '^cluster 1: 2024-10 to 2024-11, 74 observed vs 43.5 expected, LLR 8.90, p 0.01: Hampstead Town, Frognal, Highgate$' "$WORKDIR/s.txt" ||
  { echo "FAIL: scan example"; cat "$WORKDIR/s.txt"; exit 1; }
grep -q '^ProMap for 2025-02: 44 of 177 incidents in the top 5% of the area (995 cells): hit rate 24.9%, PAI 4.97$' "$WORKDIR/s.txt" ||
  { echo "FAIL: forecast example"; cat "$WORKDIR/s.txt"; exit 1; }
ogr2ogr -f GPKG "$WORKDIR/audit.gpkg" "$SRCDIR/tests/golden/route/segments.csv" -oo GEOM_POSSIBLE_NAMES=wkt \
  -oo KEEP_GEOM_COLUMNS=NO -oo AUTODETECT_TYPE=YES -nlt LINESTRING -a_srs EPSG:27700 -nln audit_segments
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/route" "$WORKDIR/audit.gpkg" 530000 181700 530400 181700 "$WORKDIR/r.gpkg" > "$WORKDIR/r.txt"
grep -q '^safest     802.6 m  dark    0.0 m  VAWG exposure  2.01   40 segments$' "$WORKDIR/r.txt" ||
  { echo "FAIL: route example"; cat "$WORKDIR/r.txt"; exit 1; }
grep -q '^the safest route is 400.7 m longer$' "$WORKDIR/r.txt" || { echo "FAIL: route example (extra)"; cat "$WORKDIR/r.txt"; exit 1; }
test -f "$WORKDIR/r.gpkg"
LD_LIBRARY_PATH="$libdir" "$WORKDIR/ex-cmake/safety_audit" "$SRCDIR/data/streets/holborn_bloomsbury_osm.gpkg" \
  "$SRCDIR/data/lighting/camden_lamps_holborn_bloomsbury.csv" "$SRCDIR/data/police/city_of_london_2023_holborn" "$wards" \
  "$WORKDIR/safety_audit.gpkg" > "$WORKDIR/sa.txt"
grep -q '^1643 segments, 29.2 km; 13.5 km below target; 58 dark stretches$' "$WORKDIR/sa.txt" ||
  { echo "FAIL: safety audit example"; cat "$WORKDIR/sa.txt"; exit 1; }
grep -q '^Holborn & Covent Garden  *50% of its street below target$' "$WORKDIR/sa.txt" ||
  { echo "FAIL: safety audit example (ward)"; cat "$WORKDIR/sa.txt"; exit 1; }
test -f "$WORKDIR/safety_audit.gpkg"

# 2. pkg-config
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
${CC:-cc} -std=c11 -Wall -Wextra -Werror "${san[@]}" "$SRCDIR/examples/count_wards.c" $(pkg-config --cflags --libs safemap) \
  -Wl,-rpath,"$libdir" -o "$WORKDIR/count_wards_pc"
"$WORKDIR/count_wards_pc" "$pts" "$wards" > "$WORKDIR/b.txt"
diff "$WORKDIR/a.txt" <(cat "$WORKDIR/b.txt"; echo "wrote $WORKDIR/a.gpkg") > /dev/null ||
  { echo "FAIL: the two builds disagree"; diff "$WORKDIR/a.txt" "$WORKDIR/b.txt"; exit 1; }
echo "example built and ran through find_package(safemap) and pkg-config"
