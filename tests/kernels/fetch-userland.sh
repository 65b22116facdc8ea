#!/usr/bin/env bash
# Fetches the user space of a foreign-architecture guest from Debian's own packages into a cache
# under artifacts/kernels, never installing them on this machine:
#   tests/kernels/fetch-userland.sh arm64
# busybox-static, runc, strace and the libraries they and the hook need (libc6, libgcc-s1,
# libseccomp2 for runc, zlib1g for the hook's helper), by apt-get download of PACKAGE:arm64 (after
# dpkg --add-architecture arm64 and apt-get update) and dpkg-deb -x. Prints the directory whose root/
# holds them unpacked. Fetched once; KERNEL_REFRESH=1 fetches the current versions again.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache="${KERNEL_CACHE:-$repo/artifacts/kernels}"
arch=${1:-}
[ "$arch" = arm64 ] || { echo "usage: $0 arm64" >&2; exit 2; }
packages=(busybox-static runc strace libc6 libgcc-s1 libseccomp2 zlib1g)

dir="$cache/userland-$arch"
if [ -z "${KERNEL_REFRESH:-}" ] && [ -f "$dir/ready" ]; then echo "$dir"; exit 0; fi
dpkg --print-foreign-architectures | grep -qx "$arch" \
    || { echo "$0: $arch is not a foreign architecture of dpkg here (dpkg --add-architecture $arch; apt-get update)" >&2; exit 3; }
rm -rf "$dir"
mkdir -p "$dir/deb"
(cd "$dir/deb" && apt-get download -qq $(printf "%s:$arch " "${packages[@]}") >&2) \
    || { echo "$0: apt-get download of the $arch packages failed (apt-get update done?)" >&2; exit 3; }
for deb in "$dir"/deb/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
# What each package was, for the record.
(cd "$dir/deb" && ls *.deb) > "$dir/packages"
rm -rf "$dir/deb" "$dir/root/usr/share"
touch "$dir/ready"
echo "$dir"
