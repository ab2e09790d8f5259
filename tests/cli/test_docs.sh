#!/usr/bin/env bash
# The manual in docs/ keeps up with the program: every command has
# docs/COMMAND.md, and every long option `safemap COMMAND --help` lists
# appears in it; README.md and docs/ stand alone (no path outside the
# repository, no file that is not in it).
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

commands=(info count kde hotspots emerging nearrepeat scan forecast audit route tiles plan report)
for c in "${commands[@]}"; do
  page="$SRCDIR/docs/$c.md"
  if [ ! -f "$page" ]; then
    fail "docs/$c.md is missing"
    continue
  fi
  assert_exit 0 "$SAFEMAP" "$c" --help
  # long options: --name, also when written --a/--b or --name=VALUE
  opts="$(grep -oE -- '--[a-z][a-z0-9-]*' "$OUT_FILE" | sed 's/-*$//' | grep -vx -- --help | sort -u)"
  [ -n "$opts" ] || fail "safemap $c --help lists no long option"
  undocumented=""
  for o in $opts; do
    grep -qE -- "${o}([^a-z0-9-]|$)" "$page" || undocumented+=" $o"
  done
  [ -z "$undocumented" ] || fail "docs/$c.md does not mention these options of 'safemap $c --help':$undocumented"
done

# every command page is linked from the index and from README.md
for c in "${commands[@]}"; do
  grep -qF "($c.md)" "$SRCDIR/docs/README.md" || fail "docs/README.md does not link $c.md"
  grep -qF "(docs/$c.md)" "$SRCDIR/README.md" || fail "README.md does not link docs/$c.md"
done

# standing alone
bad="$(grep -rnE '\.\./shared|REFERENCE\.md|DESIGN\.md' "$SRCDIR/README.md" "$SRCDIR/docs" "$SRCDIR/lib" "$SRCDIR/include" "$SRCDIR/cli" "$SRCDIR/examples" || true)"
[ -z "$bad" ] || fail "README.md or docs/ point outside the repository:
$bad"
finish
