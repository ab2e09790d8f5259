# The Python package's tests (pytest, Debian's python3-pytest) on the library of this build: the same
# numbers as the command line, dtypes and shapes, the error classes, GeoDataFrame input, cancel, threads,
# leaks. Also checks that the package's ctypes mirrors of the C structs are current and laid out as the
# compiler lays them out.
set -euo pipefail
PY=/usr/bin/python3
case "${SANITIZE:-OFF}" in ON | on | 1 | TRUE | true)
  echo "SKIP: a sanitized libsafemap cannot be loaded into Python without its runtime preloaded"; exit 77 ;;
esac
for m in pytest numpy pandas geopandas; do
  "$PY" -c "import $m" 2> /dev/null || { echo "SKIP: $PY has no $m (apt-get install python3-$m)"; exit 77; }
done
# the struct layouts as the C compiler sees them
"$PY" "$SRCDIR/bindings/python/tools/gen_structs.py" --c "$SRCDIR/include" > "$WORKDIR/layout.c"
"${CC:-cc}" -I"$SRCDIR/include" -I"$BUILDDIR/include" "$WORKDIR/layout.c" -o "$WORKDIR/layout"
"$WORKDIR/layout" > "$WORKDIR/layout.txt"
lib=$(ls "$BUILDDIR"/libsafemap.so.* | head -1)
cd "$WORKDIR"
SAFEMAP_LIBRARY="$lib" PYTHONPATH="$SRCDIR/bindings/python" SAFEMAP_LAYOUT="$WORKDIR/layout.txt" \
  PYTHONDONTWRITEBYTECODE=1 exec "$PY" -m pytest -q -p no:cacheprovider "$SRCDIR/tests/python"
