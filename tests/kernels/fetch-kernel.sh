#!/usr/bin/env bash
# Fetches one of Debian's own kernels into a cache under artifacts/kernels, never into /boot:
#   tests/kernels/fetch-kernel.sh 6.1|6.12
# Picks the newest linux-image-6.1.0-N-amd64 or linux-image-6.12.N+deb12-amd64 that apt knows
# (the generic flavour: the cloud flavour has no 9p), unpacks it with dpkg-deb, extracts the
# uncompressed vmlinux from the bzImage (qemu boots it directly through PVH, which skips a slow
# decompression under emulation) and runs depmod on its modules. Prints the kernel's directory,
# which holds vmlinux, release (the kernel's uname -r) and root/ (the unpacked package).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache="${KERNEL_CACHE:-$repo/artifacts/kernels}"

case "${1:-}" in
    6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
    6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
    *) echo "usage: $0 6.1|6.12" >&2; exit 2 ;;
esac

# A kernel fetched before is used as it is: the matrix must not depend on the mirror every run.
if [ -z "${KERNEL_REFRESH:-}" ]; then
    for dir in $(ls -d "$cache/$1-"* 2>/dev/null | sort -V -r); do
        if [ -f "$dir/ready" ]; then echo "$dir"; exit 0; fi
    done
fi

package=$(apt-cache pkgnames "linux-image-$1" | grep -E "$pattern" | sort -V | tail -1 || true)
if [ -z "$package" ]; then
    echo "$0: apt knows no package matching $pattern (is Debian bookworm in the sources, and apt-get update done?)" >&2
    exit 3
fi
release=${package#linux-image-}
dir="$cache/$1-$release"
if [ -f "$dir/ready" ]; then echo "$dir"; exit 0; fi
rm -rf "$dir"
mkdir -p "$dir/deb"
(cd "$dir/deb" && apt-get download -qq "$package" >&2)
dpkg-deb -x "$dir"/deb/*.deb "$dir/root"
rm -rf "$dir/deb"

zstd_at=$(python3 - "$dir/root/boot/vmlinuz-$release" "$dir/vmlinux" <<'PY'
# The bzImage carries the kernel as a compressed ELF: find the stream and unpack it.
import gzip, lzma, sys, zlib
data = open(sys.argv[1], 'rb').read()
def xz(at): return lzma.LZMADecompressor().decompress(data[at:])
def gz(at): return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data[at:])
for magic, unpack in ((b'\xfd7zXZ\x00', xz), (b'\x1f\x8b\x08', gz)):
    at = data.find(magic)
    while at >= 0:
        try:
            out = unpack(at)
            if out[:4] == b'\x7fELF':
                open(sys.argv[2], 'wb').write(out)
                sys.exit(0)
        except Exception:
            pass
        at = data.find(magic, at + 1)
# zstd (6.12) is not in Python's library: print its offset for the zstd program.
at = data.find(b'\x28\xb5\x2f\xfd')
if at < 0: sys.exit('no xz, gzip or zstd kernel found in ' + sys.argv[1])
print(at)
PY
)
if [ -n "$zstd_at" ]; then
    # zstd stops with an error at the bytes after the stream; the kernel before them is whole.
    tail -c +$((zstd_at + 1)) "$dir/root/boot/vmlinuz-$release" | zstd -dcq > "$dir/vmlinux" 2>/dev/null || true
fi
[ "$(head -c 4 "$dir/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] || { echo "$0: no ELF kernel unpacked" >&2; exit 4; }
depmod -b "$dir/root" "$release"
echo "$release" > "$dir/release"
touch "$dir/ready"
echo "$dir"
