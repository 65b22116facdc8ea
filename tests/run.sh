#!/usr/bin/env bash
# Runs every test as root against the real kernel, runc, podman, dockerd and containerd (through ctr
# and through its CRI plugin), installing what they need first (runc, busybox-static, podman,
# lintian, trace-cmd, docker.io, containerd, gcc and libc6-dev; qemu, kmod, zstd, xz-utils, strace for the kernel
# matrix; the arm64 cross toolchain, qemu-user and qemu-system-arm, as .ci/run does)
# through apt when missing. Prints "N passed, N failed,
# N skipped" last and exits non-zero when a test failed or none ran.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v runc >/dev/null 2>&1 || missing+=(runc)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
command -v podman >/dev/null 2>&1 || missing+=(podman)
command -v lintian >/dev/null 2>&1 || missing+=(lintian)
# The Docker engine of Debian (20.10) and its containerd; /usr/bin/docker is its client (another
# client may come first on PATH).
[ -x /usr/sbin/dockerd ] && [ -x /usr/bin/docker ] && [ -x /usr/bin/ctr ] || missing+=(docker.io)
# The Kubernetes node path: a private containerd with its CRI plugin (docker.io depends on it; named
# for a host that has docker.io without it). The tests' CRI client needs nothing more.
[ -x /usr/bin/containerd ] || missing+=(containerd)
# The kernel matrix: Debian's kernels under qemu (tests/kernels/run-in-guest.sh).
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
[ -f /usr/share/qemu/qboot.rom ] || missing+=(qemu-system-data)
command -v modprobe >/dev/null 2>&1 || missing+=(kmod)
command -v zstd >/dev/null 2>&1 || missing+=(zstd)
command -v xz >/dev/null 2>&1 || missing+=(xz-utils)
command -v strace >/dev/null 2>&1 || missing+=(strace)
command -v trace-cmd >/dev/null 2>&1 || missing+=(trace-cmd)
# A threaded program for the containers, built static (ThreadGroupTests).
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || missing+=(libc6-dev)
# arm64: the package is cross-built here (clang and Debian's aarch64 binutils, gcc and libc) and its
# binary run under qemu-user with arm64's zlib, as .ci/run installs them.
arm64=()
command -v clang >/dev/null 2>&1 || arm64+=(clang)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || arm64+=(gcc-aarch64-linux-gnu)
command -v aarch64-linux-gnu-ld >/dev/null 2>&1 || arm64+=(binutils-aarch64-linux-gnu)
[ -d /usr/aarch64-linux-gnu/lib ] || arm64+=(libc6-dev-arm64-cross)
command -v qemu-aarch64-static >/dev/null 2>&1 || arm64+=(qemu-user-static)
dpkg -s zlib1g:arm64 >/dev/null 2>&1 || arm64+=(zlib1g:arm64)
# The arm64 guest of the kernel matrix (its user space is fetched as arm64 packages, not installed).
command -v qemu-system-aarch64 >/dev/null 2>&1 || arm64+=(qemu-system-arm)
if [ "${#missing[@]}" -gt 0 ] || [ "${#arm64[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "tests/run.sh: ${missing[*]} ${arm64[*]} missing and not root: the tests that need them will be skipped" >&2
    else
        echo "tests/run.sh: installing ${missing[*]} ${arm64[*]}" >&2
        [ "${#arm64[@]}" -eq 0 ] || dpkg --add-architecture arm64
        apt-get update -qq
        tests/apt-install-no-start.sh "${missing[@]}" "${arm64[@]}"
    fi
fi

results=$(mktemp -d /tmp/oci-ftrace-hook-results.XXXXXX)
# The .NET SDK leaves an empty directory in the temporary directory for each of its processes
# (MSBuild's, meant to go when the process exits; on Linux they stay, some thirty a run): the run
# gets a temporary directory of its own, removed with the results. Short, for the sockets the
# daemons of the tests make under it; open to all as /tmp is, for the tests that act as another
# user in it.
TMPDIR=$(mktemp -d /tmp/oft.XXXXXX)
chmod 1777 "$TMPDIR"
export TMPDIR
trap 'rm -rf "$results" "$TMPDIR"' EXIT

# The end-to-end tests run the hook as installed: the published native AOT binary.
export OCI_FTRACE_HOOK_DIR="$PWD/artifacts/test-hook"
dotnet publish src/OciFtraceHook -c Release -o "$OCI_FTRACE_HOOK_DIR" --nologo -v quiet

status=0
dotnet test OciFtraceHook.sln -c Release --nologo \
    --logger "trx;LogFileName=results.trx" --logger "console;verbosity=normal" \
    --results-directory "$results" "$@" || status=$?

trx="$results/results.trx"
if [ ! -f "$trx" ]; then
    echo "tests/run.sh: no test results were written" >&2
    echo "0 passed, 1 failed"
    exit 1
fi
counters=$(grep -o '<Counters [^>]*>' "$trx")
count() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
total=$(count total); passed=$(count passed); failed=$(count failed)
skipped=$((total - passed - failed))
if [ "$skipped" -gt 0 ]; then
    echo "skipped tests and why:"
    # Each skipped result carries its reason in the TRX file.
    grep -o 'testName="[^"]*"[^>]*outcome="NotExecuted"' "$trx" | sed 's/testName="\([^"]*\)".*/  \1/' || true
    grep -o 'end-to-end test skipped: [^<]*' "$trx" | sort -u | sed 's/^/  /' || true
fi
if [ "$failed" -gt 0 ]; then
    # The console's lines for a failure scroll far above the last ones; repeat them here.
    echo "failed tests and why:"
    if command -v python3 >/dev/null 2>&1; then
        python3 tests/failed-tests.py "$trx" || echo "  (the TRX file could not be read for them)"
    else
        grep -o 'testName="[^"]*"[^>]*outcome="Failed"' "$trx" | sed 's/testName="\([^"]*\)".*/  \1/' || true
    fi
fi
echo "$passed passed, $failed failed, $skipped skipped"
if [ "$total" -eq 0 ]; then
    echo "tests/run.sh: no test ran" >&2
    exit 1
fi
if [ "$failed" -gt 0 ] || [ "$status" -ne 0 ]; then exit 1; fi
