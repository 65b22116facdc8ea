#!/usr/bin/env bash
# Fetches one of Debian's own kernels into a cache under artifacts/kernels, never into /boot:
#   tests/kernels/fetch-kernel.sh 6.1|6.12|7.3|6.1-arm64|6.12-arm64
# Picks the newest linux-image-6.1.0-N-amd64 or linux-image-6.12.N+deb12-amd64 that apt knows, or
# the newest linux-image-7.3.N+deb13-amd64 of Debian's trixie-backports (read through a private apt
# configuration under the cache: the host's apt sources are left alone; apt checks the index's
# signature and the package's SHA256 against it). Backports keeps only recent kernels: when 7.3 is
# gone from its index, the newest 7.x it has is taken instead, with a note on stderr. Always the
# generic flavour: the cloud flavour has no 9p. It unpacks the package with dpkg-deb, extracts the
# uncompressed vmlinux from the bzImage (qemu boots it directly through PVH, which skips a slow
# decompression under emulation) and runs depmod on its modules. The arm64 kernels are the same
# releases' arm64 flavour (apt-get download of the :arm64 package, dpkg --add-architecture arm64 done):
# qemu-system-aarch64 boots their compressed Image as it is, so nothing is extracted. Prints the
# kernel's directory, which holds the image to boot (vmlinux, or Image.gz for arm64), arch (amd64 or
# arm64), release (the kernel's uname -r) and root/ (the unpacked package).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cache="${KERNEL_CACHE:-$repo/artifacts/kernels}"

arch=amd64
case "${1:-}" in
    6.1-arm64) pattern='^linux-image-6\.1\.0-[0-9]+-arm64$' arch=arm64 ;;
    6.12-arm64) pattern='^linux-image-6\.12\.[0-9]+\+deb12-arm64$' arch=arm64 ;;
    6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64$' ;;
    6.12) pattern='^linux-image-6\.12\.[0-9]+\+deb12-amd64$' ;;
    7.3) pattern='^linux-image-7\.3\.[0-9]+\+deb13-amd64$' fallback='^linux-image-7\.[0-9]+\.[0-9]+\+deb13-amd64$'
         suite=trixie-backports ;;
    *) echo "usage: $0 6.1|6.12|7.3|6.1-arm64|6.12-arm64" >&2; exit 2 ;;
esac

# A kernel fetched before is used as it is: the matrix must not depend on the mirror every run.
if [ -z "${KERNEL_REFRESH:-}" ]; then
    # A release starts with a digit: 6.1's glob must not take 6.1-arm64's directory.
    for dir in $(ls -d "$cache/$1-"[0-9]* 2>/dev/null | sort -V -r); do
        if [ -f "$dir/ready" ]; then echo "$dir"; exit 0; fi
    done
fi

apt=()
if [ -n "${suite:-}" ]; then
    # A private apt: its own sources list, index and package cache; the host's stay untouched.
    private="$cache/apt-$suite"
    mkdir -p "$private/lists/partial" "$private/cache/archives/partial" "$private/parts"
    echo "deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
        > "$private/sources.list"
    apt=(-o "Dir::Etc::SourceList=$private/sources.list" -o "Dir::Etc::SourceParts=$private/parts"
         -o "Dir::State::Lists=$private/lists" -o "Dir::Cache=$private/cache" -o Acquire::Languages=none
         -o APT::Architectures=amd64)
    apt-get -qq "${apt[@]}" update >&2 || { echo "$0: Debian's $suite index cannot be read" >&2; exit 3; }
fi
package=$(apt-cache "${apt[@]}" pkgnames "linux-image-" | grep -E "$pattern" | sort -V | tail -1 || true)
if [ -z "$package" ] && [ -n "${fallback:-}" ]; then
    package=$(apt-cache "${apt[@]}" pkgnames "linux-image-" | grep -E "$fallback" | sort -V | tail -1 || true)
    [ -z "$package" ] || echo "$0: no $1 kernel in $suite any more; taking $package" >&2
fi
if [ -z "$package" ]; then
    echo "$0: apt knows no package matching $pattern (is Debian ${suite:-bookworm} in the sources, and apt-get update done?)" >&2
    exit 3
fi
release=${package#linux-image-}
dir="$cache/$1-$release"
if [ -f "$dir/ready" ]; then echo "$dir"; exit 0; fi
rm -rf "$dir"
mkdir -p "$dir/deb"
# Newer Debian kernels split the image into packages of the same release (linux-binary-RELEASE with
# the kernel, linux-modules-RELEASE, linux-base-RELEASE): fetch those the image depends on as well.
parts=$(apt-cache "${apt[@]}" show "$package:$arch" | sed -n 's/^Depends: //p' | head -1 | tr ',|' '\n\n' \
    | awk -v release="$release" '$1 ~ /^linux-[a-z]+-/ && substr($1, length($1) - length(release) + 1) == release { print $1 }')
(cd "$dir/deb" && apt-get download -qq "${apt[@]}" "$package:$arch" $(for part in $parts; do echo "$part:$arch"; done) >&2) \
    || { echo "$0: apt-get download of $package:$arch failed" >&2; exit 3; }
for deb in "$dir"/deb/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
rm -rf "$dir/deb"
# Those newer packages keep the kernel and its modules under /usr/lib/modules/RELEASE only, where
# older depmod and modprobe -d do not look.
vmlinuz="$dir/root/boot/vmlinuz-$release"
if [ ! -f "$vmlinuz" ] && [ -f "$dir/root/usr/lib/modules/$release/vmlinuz" ]; then
    vmlinuz="$dir/root/usr/lib/modules/$release/vmlinuz"
    [ -e "$dir/root/lib" ] || ln -s usr/lib "$dir/root/lib"
fi

if [ "$arch" = arm64 ]; then
    # The arm64 vmlinuz is a gzipped Image: qemu-system-aarch64 unpacks it when it loads it.
    ln -sf "root/boot/vmlinuz-$release" "$dir/Image.gz"
    depmod -b "$dir/root" "$release"
    echo "$arch" > "$dir/arch"
    echo "$release" > "$dir/release"
    touch "$dir/ready"
    echo "$dir"
    exit 0
fi

zstd_at=$(python3 - "$vmlinuz" "$dir/vmlinux" <<'PY'
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
    tail -c +$((zstd_at + 1)) "$vmlinuz" | zstd -dcq > "$dir/vmlinux" 2>/dev/null || true
fi
[ "$(head -c 4 "$dir/vmlinux" | od -An -c | tr -d ' ')" = '177ELF' ] || { echo "$0: no ELF kernel unpacked" >&2; exit 4; }
depmod -b "$dir/root" "$release"
echo "$arch" > "$dir/arch"
echo "$release" > "$dir/release"
touch "$dir/ready"
echo "$dir"
