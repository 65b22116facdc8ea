#!/usr/bin/env bash
# Puts the hook of the arm64 .deb (cross-built here by hooks/build-deb --arch arm64) in DIR, for an
# arm64 guest's /hook:
#   tests/kernels/arm64-hook.sh DIR      (default: artifacts/test-hook-arm64)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=${1:-$repo/artifacts/test-hook-arm64}
work=$(mktemp -d "${TMPDIR:-/tmp}/arm64-hook.XXXXXX")
trap 'rm -rf "$work"' EXIT
deb=$("$repo/hooks/build-deb" "$work/out" --arch arm64 | tail -1)
dpkg-deb -x "$deb" "$work/root"
mkdir -p "$dir"
cp -a "$work/root/usr/libexec/oci-ftrace-hook/." "$dir/"
echo "$dir"
