#!/usr/bin/env bash
# Runs a command inside one of Debian's own kernels, booted under qemu's software emulation:
#   tests/kernels/run-in-guest.sh --kernel 6.1|6.12|7.3|6.1-arm64|6.12-arm64 [--results DIR] [--hook-dir DIR] \
#       [--timeout S] (-c 'SHELL COMMAND' | SCRIPT [ARGS...])
# An -arm64 kernel boots under qemu-system-aarch64 (-M virt) with Debian's arm64 runc, strace,
# busybox and libraries, and needs the hook built for arm64 (tests/kernels/arm64-hook.sh DIR, from
# the arm64 .deb; --hook-dir, else artifacts/test-hook-arm64).
# The guest sees the repository read-only at /repo, the published hook's directory read-only at
# /hook (--hook-dir, else $OCI_FTRACE_HOOK_DIR, else artifacts/test-hook), and DIR read-write at
# /results (its working directory; a temporary directory when not given). Its environment has REPO,
# HOOK (the hook binary), RESULTS and KERNEL_RELEASE. The command's stdout and stderr come back on
# ours and its exit code is ours. Exit 125 with "run-in-guest: skipped: REASON" on stderr when
# qemu or the kernel cannot be had here; any other failure to boot is an error (exit 124 on timeout).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
kernel=6.12 results= hook_dir= timeout=600 command=
while [ $# -gt 0 ]; do
    case "$1" in
        --kernel) kernel=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        --hook-dir) hook_dir=$2; shift 2 ;;
        --timeout) timeout=$2; shift 2 ;;
        -c) command=$2; shift 2; break ;;
        --) shift; break ;;
        *) break ;;
    esac
done
skip() { echo "run-in-guest: skipped: $*" >&2; exit 125; }

case "$kernel" in *-arm64) arch=arm64 ;; *) arch=amd64 ;; esac
command -v modprobe >/dev/null || skip "modprobe is missing (apt-get install kmod)"
if [ "$arch" = amd64 ]; then
    hook_dir=${hook_dir:-${OCI_FTRACE_HOOK_DIR:-$repo/artifacts/test-hook}}
    qemu=$(command -v qemu-system-x86_64 || true)
    [ -n "$qemu" ] || skip "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
    bios=/usr/share/qemu/qboot.rom
    [ -f "$bios" ] || skip "$bios is missing (apt-get install qemu-system-data)"
    [ -x /bin/busybox ] || skip "/bin/busybox is missing (apt-get install busybox-static)"
    command -v runc >/dev/null || skip "runc is not installed (apt-get install runc)"
else
    # The guest's runc, busybox and libraries are Debian's arm64 packages (fetch-userland.sh), never this machine's.
    hook_dir=${hook_dir:-$repo/artifacts/test-hook-arm64}
    qemu=$(command -v qemu-system-aarch64 || true)
    [ -n "$qemu" ] || skip "qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)"
fi
[ -x "$hook_dir/oci-ftrace-hook" ] || { echo "run-in-guest: no published hook in $hook_dir" >&2; exit 2; }
# e_machine (bytes 18-19 of the ELF header): 62 is x86_64, 183 aarch64.
machine=$(od -An -tu2 -j18 -N2 "$hook_dir/oci-ftrace-hook" | tr -d ' ')
want=62; [ "$arch" = amd64 ] || want=183
[ "$machine" = "$want" ] || { echo "run-in-guest: the hook in $hook_dir is not built for $arch (ELF machine $machine)" >&2; exit 2; }

fetched=0
kdir=$("$here/fetch-kernel.sh" "$kernel" 2>"${TMPDIR:-/tmp}/fetch-kernel.$$.err") || fetched=$?
if [ "$fetched" -ne 0 ]; then
    reason=$(grep -v '^W:' "${TMPDIR:-/tmp}/fetch-kernel.$$.err" | tail -1); rm -f "${TMPDIR:-/tmp}/fetch-kernel.$$.err"
    skip "Debian's $kernel kernel cannot be fetched: $reason"
fi
rm -f "${TMPDIR:-/tmp}/fetch-kernel.$$.err"
if [ "$arch" != amd64 ]; then
    fetched=0
    "$here/fetch-userland.sh" "$arch" > /dev/null 2>"${TMPDIR:-/tmp}/fetch-userland.$$.err" || fetched=$?
    reason=$(grep -v '^W:' "${TMPDIR:-/tmp}/fetch-userland.$$.err" | tail -1 || true); rm -f "${TMPDIR:-/tmp}/fetch-userland.$$.err"
    [ "$fetched" -eq 0 ] || skip "Debian's $arch packages cannot be fetched: $reason"
fi
initramfs=$("$here/initramfs.sh" "$kdir")

own_results=
if [ -z "$results" ]; then results=$(mktemp -d "${TMPDIR:-/tmp}/guest-results.XXXXXX"); own_results=$results; fi
mkdir -p "$results"
results=$(cd "$results" && pwd)
cleanup() { rm -f "$results"/.guest-*; [ -z "$own_results" ] || rm -rf "$own_results"; }
trap cleanup EXIT
rm -f "$results"/.guest-*
if [ -n "$command" ]; then
    printf '%s\n' "$command" > "$results/.guest-command"
else
    [ $# -gt 0 ] || { echo "usage: $0 --kernel 6.1|6.12|7.3|6.1-arm64|6.12-arm64 (-c COMMAND | SCRIPT [ARGS...])" >&2; exit 2; }
    script=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); shift
    case "$script" in "$repo"/*) ;; *) echo "run-in-guest: $script is not inside the repository" >&2; exit 2 ;; esac
    { printf 'exec sh %q' "/repo/${script#"$repo"/}"; printf ' %q' "$@"; echo; } > "$results/.guest-command"
fi

shares=(-virtfs "local,path=$repo,mount_tag=repo,security_model=none,readonly=on"
        -virtfs "local,path=$(cd "$hook_dir" && pwd),mount_tag=hook,security_model=none,readonly=on"
        -virtfs "local,path=$results,mount_tag=results,security_model=none")
status=0
if [ "$arch" = amd64 ]; then
    # Single-threaded TCG: the host's KVM cannot run a stock kernel, and multi-threaded TCG oopsed
    # once while ftrace patched kernel text.
    timeout --kill-after=10 "$timeout" "$qemu" -accel tcg,thread=single -cpu max -m 1024 -smp 1 \
        -bios "$bios" -kernel "$kdir/vmlinux" -initrd "$initramfs" \
        -append "console=ttyS0 quiet panic=-1 oops=panic" \
        -nographic -no-reboot -nodefaults -serial "file:$results/.guest-console" "${shares[@]}" || status=$?
else
    # Pointer authentication's architected algorithm (QARMA) is slow to emulate; with qemu's own
    # one a guest runs container-trace.sh in 5.5 s instead of 16 s, and the kernel does not care
    # which it gets. Two CPUs, emulated by one thread: multi-threaded TCG ran some thirty boots
    # cleanly, then one oopsed in list_lru_add while booting (6.1, 2026-12-05).
    timeout --kill-after=10 "$timeout" "$qemu" -M virt -accel tcg,thread=single -cpu max,pauth-impdef=on -m 1024 -smp 2 \
        -kernel "$kdir/Image.gz" -initrd "$initramfs" \
        -append "console=ttyAMA0 quiet panic=-1 oops=panic" \
        -nographic -no-reboot -nodefaults -serial "file:$results/.guest-console" "${shares[@]}" || status=$?
fi
if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "run-in-guest: the $kernel guest did not finish in ${timeout}s; its console:" >&2
    tail -30 "$results/.guest-console" >&2
    exit 124
fi
if [ ! -f "$results/.guest-exit" ]; then
    echo "run-in-guest: the $kernel guest stopped without running the command (qemu exit $status); its console:" >&2
    tail -30 "$results/.guest-console" >&2
    exit 1
fi
cat "$results/.guest-stdout"
cat "$results/.guest-stderr" >&2
exit "$(cat "$results/.guest-exit")"
