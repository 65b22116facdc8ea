#!/usr/bin/env bash
# Builds the guest's initramfs for a kernel fetched by fetch-kernel.sh, and prints its path:
#   tests/kernels/initramfs.sh KERNEL_DIR
# busybox-static, the kernel's 9p/virtio modules (in the order modprobe gives), runc, strace, and
# the libraries they and the hook need (glibc, libseccomp for runc, libz for the hook's helper,
# libstdc++ and friends for the native AOT binary): this machine's for an amd64 kernel, Debian's
# arm64 packages (fetch-userland.sh) for an arm64 one. Cached next to the kernel, keyed by its inputs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
kdir=$(cd "$1" && pwd)
release=$(cat "$kdir/release")
arch=$(cat "$kdir/arch" 2>/dev/null || echo amd64)
if [ "$arch" = amd64 ]; then
    tools=(/bin/busybox "$(command -v runc)")
    if command -v strace >/dev/null; then tools+=("$(command -v strace)"); fi
    libs=(/lib/x86_64-linux-gnu/libz.so.1 /lib/x86_64-linux-gnu/libstdc++.so.6 /lib/x86_64-linux-gnu/libgcc_s.so.1
          /lib/x86_64-linux-gnu/libm.so.6 /lib/x86_64-linux-gnu/libdl.so.2 /lib/x86_64-linux-gnu/libpthread.so.0
          /lib/x86_64-linux-gnu/librt.so.1)
    key=$( (cat "$here/guest/init" "$0"; for f in "${tools[@]}" "${libs[@]}"; do [ -e "$f" ] && sha1sum "$f"; done) | sha1sum | cut -c1-12)
else
    userland=$("$here/fetch-userland.sh" "$arch")
    key=$( (cat "$here/guest/init" "$0" "$userland/packages") | sha1sum | cut -c1-12)
fi
out="$kdir/initramfs-$key.cpio.gz"
if [ -f "$out" ]; then echo "$out"; exit 0; fi

root=$(mktemp -d "${TMPDIR:-/tmp}/guest-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib/modules,etc,proc,sys,dev,tmp,run}
if [ "$arch" = amd64 ]; then
    mkdir -p "$root"/{lib64,lib/x86_64-linux-gnu}
    cp /bin/busybox "$root/bin/"
    for applet in $(/bin/busybox --list-full); do
        [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
    for tool in "${tools[@]}"; do [ "$tool" = /bin/busybox ] || cp "$tool" "$root/usr/sbin/"; done

    # The shared libraries of every tool, plus those the hook (from the share) needs.
    for lib in "${libs[@]}" $(for tool in "${tools[@]}"; do ldd "$tool" 2>/dev/null | grep -o '/[^ ]*' || true; done); do
        [ -e "$lib" ] || continue
        case "$lib" in /lib64/*) dest=/lib64 ;; *) dest=/lib/x86_64-linux-gnu ;; esac
        cp -L "$lib" "$root$dest/"
    done
    cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
else
    # The packages as they unpack; busybox's applet links are made by the guest's init (this
    # machine cannot run the foreign busybox to list them).
    cp -a "$userland/root/." "$root/"
    ln -s busybox "$root/bin/sh"
fi

# The 9p and virtio modules, in the order of their dependencies, uncompressed for busybox insmod.
: > "$root/lib/modules/load-order"
modprobe -a -d "$kdir/root" -S "$release" --show-depends 9p 9pnet_virtio virtio_pci \
    | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
    name=$(basename "$ko"); name=${name%.xz}; name=${name%.zst}
    case "$ko" in
        *.xz) xz -dc "$ko" > "$root/lib/modules/$name" ;;
        *.zst) zstd -dcq "$ko" > "$root/lib/modules/$name" ;;
        *) cp "$ko" "$root/lib/modules/$name" ;;
    esac
    echo "$name" >> "$root/lib/modules/load-order"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
echo 'root:x:0:' > "$root/etc/group"
cp "$here/guest/init" "$root/init"
chmod +x "$root/init"
(cd "$root" && find . | /bin/busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$out.tmp")
mv "$out.tmp" "$out"
echo "$out"
