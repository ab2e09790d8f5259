#!/usr/bin/env bash
# `safemap count` reading points and wards from PostGIS gives exactly the same
# per-ward counts as from the bundled files.
#
# Starts its own PostgreSQL + PostGIS server (Debian packages `postgresql`
# and `postgis`): a data directory under $WORKDIR, listening only on a Unix
# socket in a private directory (listen_addresses='' -k DIR), run as user
# postgres when we are root (initdb refuses root), stopped on exit. Loads the
# 36 police.uk CSVs into table `burglary` (police.uk columns kept as they are,
# point geometry in EPSG:4326) and the wards into `camden_wards` with ogr2ogr,
# then compares
#   safemap count "PG:..." --layer burglary --wards "PG:..." --wards-layer camden_wards
# with the same run on the files.
# Exit 77 (skipped) when the PostgreSQL server programs are not installed.
set -euo pipefail
. "$SRCDIR/tests/cli/lib.sh"

# ---------------------------------------------------------------- find the server
bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then bindir="$d"; break; fi
done
if [ -z "$bindir" ]; then
  echo "skipped: no initdb/pg_ctl under /usr/lib/postgresql/*/bin (install the Debian packages postgresql and postgis)"
  exit 77
fi
pgver="$(basename "$(dirname "$bindir")")"
if ! ls /usr/share/postgresql/"$pgver"/extension/postgis.control >/dev/null 2>&1; then
  echo "skipped: PostgreSQL $pgver has no PostGIS extension (install the Debian package postgis)"
  exit 77
fi
psql="$bindir/psql"
[ -x "$psql" ] || psql="$(command -v psql || true)"
[ -n "$psql" ] || { fail "no psql client found"; finish; }
ogrinfo --formats | grep -q 'PostgreSQL' || { fail "GDAL has no PostgreSQL driver"; finish; }

# ---------------------------------------------------------------- who runs the server
as_pg() { "$@"; }
pguser="$(id -un)"
if is_root; then
  if id postgres >/dev/null 2>&1; then pguser=postgres; else pguser=nobody; fi
  as_pg() { runuser -u "$pguser" -- "$@"; }
fi

# A base directory the server user can reach, with a short path: a Unix
# socket path must stay under ~100 bytes.
base="$WORKDIR/pg"
mkdir -p "$base"
if [ ${#base} -gt 80 ] || ! as_pg test -x "$WORKDIR" 2>/dev/null; then
  base="$(mktemp -d /tmp/safemap-pg.XXXXXX)"
  on_exit "rm -rf '$base'"
fi
chmod 755 "$base"
mkdir -p "$base/data" "$base/sock"
if is_root; then chown "$pguser" "$base/data" "$base/sock"; fi
chmod 700 "$base/data"
sock="$base/sock"

# ---------------------------------------------------------------- start
as_pg "$bindir/initdb" -D "$base/data" -A trust -U postgres -E UTF8 --locale=C --no-sync \
  >"$WORKDIR/initdb.log" 2>&1 || { cat "$WORKDIR/initdb.log" >&2; fail "initdb failed"; finish; }
touch "$WORKDIR/server.log"
[ "$pguser" = "$(id -un)" ] || chown "$pguser" "$WORKDIR/server.log" 2>/dev/null || true
logfile="$WORKDIR/server.log"
as_pg test -w "$logfile" 2>/dev/null || logfile="$base/server.log"
if ! as_pg "$bindir/pg_ctl" -D "$base/data" -l "$logfile" -w -t 60 \
     -o "-c listen_addresses='' -k $sock -c fsync=off -c full_page_writes=off" start >"$WORKDIR/pg_ctl.log" 2>&1; then
  cat "$WORKDIR/pg_ctl.log" "$logfile" >&2 || true
  fail "the PostgreSQL server did not start"
  finish
fi
# Stopped on exit, also when the test is interrupted (lib.sh turns INT/TERM/HUP
# into an exit). Should the test be killed outright, the server shuts itself
# down within a minute once the next run removes its data directory (it
# rechecks its postmaster.pid lock file).
on_exit "as_pg '$bindir/pg_ctl' -D '$base/data' -m fast -w stop >/dev/null 2>&1 || as_pg '$bindir/pg_ctl' -D '$base/data' -m immediate stop >/dev/null 2>&1"

q() { "$psql" -h "$sock" -U postgres -X -q -t -A -v ON_ERROR_STOP=1 "$@"; }
assert_eq "the server listens on no TCP address" "" "$(q -d postgres -c 'SHOW listen_addresses')"
q -d postgres -c "CREATE DATABASE safemap"
q -d safemap -c "CREATE EXTENSION postgis"
echo "PostgreSQL $(q -d safemap -c 'SHOW server_version'), PostGIS $(q -d safemap -c 'SELECT postgis_lib_version()')"

PG="PG:host=$sock dbname=safemap user=postgres"

# ---------------------------------------------------------------- load
# (ogr2ogr's messages go to a log, shown if it fails: appending the 36 files
# to one table warns once per file that the creation options are ignored)
load() { # LOGNAME CMD...
  local log="$WORKDIR/$1.log"; shift
  "$@" >"$log" 2>&1 || { cat "$log" >&2; fail "loading failed: $*"; finish; }
}
load load_points ogr2ogr -f PostgreSQL "$PG" "$POINTS" -nln burglary -append -nlt POINT -a_srs EPSG:4326 \
  -oo X_POSSIBLE_NAMES=Longitude -oo Y_POSSIBLE_NAMES=Latitude -oo KEEP_GEOM_COLUMNS=YES -oo AUTODETECT_TYPE=NO \
  -lco GEOMETRY_NAME=geom -lco LAUNDER=NO -lco FID=fid
load load_wards ogr2ogr -f PostgreSQL "$PG" "$WARDS" wards -nln camden_wards -lco GEOMETRY_NAME=geom -lco LAUNDER=NO -lco FID=fid

assert_eq "rows in burglary" "6416" "$(q -d safemap -c 'SELECT count(*) FROM burglary')"
assert_eq "SRID of burglary" "4326" "$(q -d safemap -c 'SELECT DISTINCT ST_SRID(geom) FROM burglary')"
assert_eq "police.uk columns of burglary" "$POLICE_HEADER" "$(q -d safemap -c "
  SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns
  WHERE table_name = 'burglary' AND column_name NOT IN ('fid', 'geom')")"
assert_eq "rows in camden_wards" "20" "$(q -d safemap -c 'SELECT count(*) FROM camden_wards')"
assert_eq "SRID of camden_wards" "27700" "$(q -d safemap -c 'SELECT DISTINCT ST_SRID(geom) FROM camden_wards')"

# ---------------------------------------------------------------- compare
out="$WORKDIR/out"; mkdir -p "$out"
compare() { # NAME FILTER-ARGS...
  local name="$1"; shift
  assert_exit 0 "$SAFEMAP" count "$POINTS" --wards "$WARDS" -o "$out/$name.files.csv" "$@"
  local summary_files; summary_files="$(grep 'rows read' "$ERR_FILE" || true)"
  assert_exit 0 "$SAFEMAP" count "$PG" --layer burglary --wards "$PG" --wards-layer camden_wards \
    -o "$out/$name.pg.csv" "$@"
  local summary_pg; summary_pg="$(grep 'rows read' "$ERR_FILE" || true)"
  assert_eq "[$name] summary line" "$summary_files" "$summary_pg"
  local want got
  want="$(awk -F, 'NR > 1 { print $1 "=" $3 }' "$out/$name.files.csv" | sort | tr '\n' ' ')"
  got="$(awk -F, 'NR > 1 { print $1 "=" $3 }' "$out/$name.pg.csv" | sort | tr '\n' ' ')"
  assert_eq "[$name] per-ward totals, PostGIS vs files" "$want" "$got"
  assert_eq "[$name] number of wards" "20" "$(($(wc -l <"$out/$name.pg.csv") - 1))"
  assert_same_bytes "$out/$name.files.csv" "$out/$name.pg.csv"
  assert_same_bytes "$out/$name.files_by_month.csv" "$out/$name.pg_by_month.csv"
  echo "[$name] $summary_pg"
}
compare all
assert_eq "sum of ward totals from PostGIS" "6051" "$(awk -F, 'NR > 1 { s += $3 } END { print s }' "$out/all.pg.csv")"
compare burglary_2024 --type Burglary --from 2024-01 --to 2024-12

# The totals also equal the independent SpatiaLite counts kept in tests/golden.
golden="$SRCDIR/tests/golden/camden_ward_totals.csv"
if [ -f "$golden" ]; then
  want="$(awk -F, 'NR > 1 { print $1 "=" $(NF-2) }' "$golden" | sort | tr '\n' ' ')"
  got="$(awk -F, 'NR > 1 { print $1 "=" $3 }' "$out/all.pg.csv" | sort | tr '\n' ' ')"
  assert_eq "per-ward totals from PostGIS vs $golden" "$want" "$got"
fi

# GeoPackage output from PostGIS.
assert_exit 0 "$SAFEMAP" count "$PG" --layer burglary --wards "$PG" --wards-layer camden_wards -o "$out/pg.gpkg"
assert_eq "sum of ward totals in the GeoPackage from PostGIS" "6051" "$(sql_value "$out/pg.gpkg" "SELECT sum(total) FROM ward_counts")"
assert_eq "by-month rows in the GeoPackage from PostGIS" "720" "$(sql_value "$out/pg.gpkg" "SELECT count(*) FROM ward_counts_by_month")"

# Errors from PostGIS sources: exit 1, the message names what is missing, nothing written.
bad="$WORKDIR/bad"; mkdir -p "$bad"
assert_exit 1 "$SAFEMAP" count "$PG" --layer no_such_table --wards "$PG" --wards-layer camden_wards -o "$bad/out.gpkg"
assert_error_line count "no_such_table"
assert_dir_empty "$bad"
assert_exit 1 "$SAFEMAP" count "$PG" --layer burglary --wards "$PG" --wards-layer no_such_wards -o "$bad/out.gpkg"
assert_error_line count "no_such_wards"
assert_dir_empty "$bad"
assert_exit 1 "$SAFEMAP" count "PG:host=$sock dbname=no_such_db user=postgres" --layer burglary \
  --wards "$WARDS" -o "$bad/out.gpkg"
assert_error_line count "no_such_db"
assert_dir_empty "$bad"
# the points table given as wards: not polygons
assert_exit 1 "$SAFEMAP" count "$POINTS" --wards "$PG" --wards-layer burglary -o "$bad/out.gpkg"
assert_stderr_contains_i "polygon"
assert_dir_empty "$bad"

finish
