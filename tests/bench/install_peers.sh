#!/usr/bin/env bash
# Install the peer tools that tests/bench/run.sh compares safemap with, from
# Debian packages, if they are missing. Idempotent: packages already
# installed (dpkg -s) are skipped, and nothing is done when all are there.
#
#   tests/bench/install_peers.sh            # required + optional packages
#   tests/bench/install_peers.sh --required # only the required ones
#
# As root it runs apt-get itself; otherwise it prints the exact
# `sudo apt-get install -y ...` line and exits 1.
#
# Packages:
#   qgis               qgis_process.bin (native:countpointsinpolygon, KDE, ...)
#   r-cran-spatstat    density.ppp (KDE reference)
#   r-cran-spdep       localG / localmoran (hot-spot reference)
#   r-cran-dbscan      DBSCAN / OPTICS clustering reference
#   r-cran-sparr       adaptive / relative-risk KDE reference
#   python3-sklearn    KernelDensity / DBSCAN reference
#   gdal-bin           ogr2ogr (CSV -> GeoPackage inputs), ogrinfo
#   time               GNU time (/usr/bin/time -f) for peak RSS
#   postgresql, postgresql-15-postgis-3
#                      the PostGIS side of the audit entry (a private server
#                      that run.sh starts on a Unix socket; Debian 12's PostGIS 3.3)
#   python3-numpy, python3-gdal
#                      gen_audit.py (the audit entry's inputs) and compare_kde.py
#   r-cran-future.apply, r-cran-ggplot2
#                      optional: the dependencies of R's NearRepeat package
#                      (not in Debian: install it from its source with
#                      R CMD INSTALL, see tests/bench/README.md)
#   hyperfine          optional: repeated timings by hand
set -euo pipefail

REQUIRED=(qgis r-cran-spatstat r-cran-spdep r-cran-dbscan r-cran-sparr python3-sklearn gdal-bin time
    postgresql postgresql-15-postgis-3 python3-numpy python3-gdal)
OPTIONAL=(hyperfine r-cran-future.apply r-cran-ggplot2)

want=("${REQUIRED[@]}" "${OPTIONAL[@]}")
case "${1:-}" in
    "") ;;
    --required) want=("${REQUIRED[@]}") ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "install_peers.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for p in "${want[@]}"; do
    installed "$p" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install_peers.sh: all peer packages are installed: ${want[*]}"
    exit 0
fi

# --no-install-recommends keeps qgis from pulling in GRASS and friends;
# qgis_process and the native algorithms do not need them.
cmd=(apt-get install -y --no-install-recommends "${missing[@]}")

if [ "$(id -u)" -ne 0 ]; then
    echo "install_peers.sh: missing: ${missing[*]}" >&2
    echo "install_peers.sh: run as root, or:" >&2
    echo "sudo ${cmd[*]}"
    exit 1
fi

echo "install_peers.sh: installing: ${missing[*]}" >&2
# A fresh machine may have no package lists yet; refresh them once if any
# missing package is unknown to apt.
need_update=0
for p in "${missing[@]}"; do
    if ! apt-cache show "$p" >/dev/null 2>&1; then
        need_update=1
        break
    fi
done
if [ "$need_update" -eq 1 ]; then
    apt-get update
fi

# An optional package that the archive lacks must not stop the others.
if ! DEBIAN_FRONTEND=noninteractive "${cmd[@]}"; then
    req_missing=()
    for p in "${missing[@]}"; do
        for r in "${REQUIRED[@]}"; do
            [ "$p" = "$r" ] && req_missing+=("$p")
        done
    done
    [ "${#req_missing[@]}" -gt 0 ] || { echo "install_peers.sh: optional packages not installed: ${missing[*]}" >&2; exit 0; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${req_missing[@]}"
fi

still=()
for p in "${want[@]}"; do
    installed "$p" || still+=("$p")
done
if [ "${#still[@]}" -gt 0 ]; then
    echo "install_peers.sh: still missing: ${still[*]}" >&2
    for p in "${still[@]}"; do
        for r in "${REQUIRED[@]}"; do
            [ "$p" = "$r" ] && exit 1
        done
    done
fi
echo "install_peers.sh: done"
