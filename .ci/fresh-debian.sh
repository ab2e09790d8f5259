#!/usr/bin/env bash
# Runs the README's two commands in a minimal Debian 12 made with
# debootstrap, where none of safemap's dependencies are installed: the check
# that `./build.sh demo` and `./build.sh test` install what they need.
# Not part of CI (it downloads a base system); run by hand as root:
#   .ci/fresh-debian.sh [DIR]        (default /tmp/safemap-fresh-debian)
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run as root (debootstrap and chroot)" >&2; exit 1; }
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=${1:-/tmp/safemap-fresh-debian}
command -v debootstrap > /dev/null || apt-get install -y -qq debootstrap
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2> /dev/null | head -1)
[ -d "$root/usr" ] || debootstrap --variant=minbase bookworm "$root" "${mirror:-http://deb.debian.org/debian}"
cleanup() { umount -R "$root/dev" 2> /dev/null || true; umount "$root/proc" 2> /dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
rm -rf "$root/work" && mkdir -p "$root/work"
git clone -q "$repo" "$root/work/main"
[ -d "$repo/../shared" ] && cp -r "$repo/../shared" "$root/work/shared"
chroot "$root" bash -c 'cd /work/main && ./build.sh demo && ./build.sh test'
echo "fresh Debian: both README commands succeeded"
