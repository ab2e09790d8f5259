# Every public header compiles alone, as C11 with -Wall -Wextra -pedantic
# -Werror, and as C++.
set -euo pipefail
cc=${CC:-cc}
inc=("-I$SRCDIR/include" "-I$BUILDDIR/include")
headers=("$SRCDIR/include/safemap.h" "$SRCDIR"/include/safemap/*.h "$BUILDDIR/include/safemap/version.h")
n=0
for h in "${headers[@]}"; do
  rel=${h#"$SRCDIR/include/"}
  rel=${rel#"$BUILDDIR/include/"}
  printf '#include <%s>\nint main(void) { return 0; }\n' "$rel" > "$WORKDIR/one.c"
  "$cc" -std=c11 -Wall -Wextra -pedantic -Werror "${inc[@]}" -c "$WORKDIR/one.c" -o "$WORKDIR/one.o" ||
    { echo "FAIL: $rel does not compile alone as C11"; exit 1; }
  if command -v c++ > /dev/null; then
    cp "$WORKDIR/one.c" "$WORKDIR/one.cpp"
    c++ -std=c++11 -Wall -Wextra -pedantic -Werror "${inc[@]}" -c "$WORKDIR/one.cpp" -o "$WORKDIR/one.o" ||
      { echo "FAIL: $rel does not compile alone as C++"; exit 1; }
  fi
  n=$((n + 1))
done
echo "$n headers compile alone"
