#!/usr/bin/env bash
# The demo README.md describes is the demo build.sh runs: `./build.sh demo-only`
# (the demo without installing or building) with this build's safemap, writing
# into $WORKDIR/out, must write exactly the files README.md lists under out/
# (its lines "- `out/NAME`: ..."), no more and no fewer, and succeed.
# Lines of its output that mention a warning are reported (not a failure yet).
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

out="$WORKDIR/out"
start=$SECONDS
assert_exit 0 env SAFEMAP="$SAFEMAP" SAFEMAP_DEMO_OUT="$out" bash "$SRCDIR/build.sh" demo-only
note "the demo took $((SECONDS - start)) s"
[ "$RC" -eq 0 ] || { finish; }

# what README.md says the demo writes
grep -oE '^- `out/[^`]+`' "$SRCDIR/README.md" | sed -E 's/^- `out\/(.*)`$/\1/' | sort -u >"$WORKDIR/listed"
[ -s "$WORKDIR/listed" ] || fail "README.md lists no out/ file (lines starting with: - \`out/NAME\`)"
# what it wrote
find "$out" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort >"$WORKDIR/written"

missing="$(comm -23 "$WORKDIR/listed" "$WORKDIR/written" | tr '\n' ' ')"
extra="$(comm -13 "$WORKDIR/listed" "$WORKDIR/written" | tr '\n' ' ')"
[ -z "$missing" ] || fail "README.md lists files the demo did not write: $missing"
[ -z "$extra" ] || fail "the demo wrote files README.md does not list: $extra"
note "$(wc -l <"$WORKDIR/written") files written, $(wc -l <"$WORKDIR/listed") listed in README.md"
assert_no_temp_files "$out"

# the demo's messages must not use terminal escape codes when not on a terminal
if grep -q $'\033' "$OUT_FILE" "$ERR_FILE"; then fail "the demo printed terminal escape codes to a file"; fi

# warnings: reported for now
warnings="$(grep -ih 'warning' "$OUT_FILE" "$ERR_FILE" || true)"
if [ -n "$warnings" ]; then
  note "the demo printed $(printf '%s\n' "$warnings" | wc -l) warning line(s), not explained in README.md:"
  printf '%s\n' "$warnings" | sed 's/^/    /'
fi
finish
