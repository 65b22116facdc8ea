#!/usr/bin/env bash
# Benchmarks how fast the hook starts, against another revision, in one run: the published binary
# of this tree and of BASE (default: the commit before HEAD) run alternately, RUNS times each:
#   - prestart on a state it refuses at once (from exec through reading stdin and the first
#     check to exit: what every container start pays before any kernel work), and
#   - show -c of the recorded busybox sample (a tool's start plus a small decode).
# Prints medians (ms) and the ratio this tree / BASE. Needs the .NET SDK and python3; no root.
# Usage: startup.sh [BASE] [RUNS]
set -euo pipefail
base=${1:-HEAD~1}
runs=${2:-200}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/oci-ftrace-startup.XXXXXX)
cleanup() { git -C "$repo" worktree remove --force "$work/base-src" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

git -C "$repo" worktree add --detach "$work/base-src" "$base" >/dev/null 2>&1
dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$work/this" --nologo -v quiet
dotnet publish "$work/base-src/src/OciFtraceHook" -c Release -o "$work/base" --nologo -v quiet
sample="$repo/tests/OciFtraceHook.Tests/Decoding/Samples/busybox-workload.trace"

python3 - "$work/this/oci-ftrace-hook" "$work/base/oci-ftrace-hook" "$runs" "$sample" "$base" <<'PY'
import statistics, subprocess, sys, time
this, base, runs, sample, base_name = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
# A state the hook refuses before touching the kernel: an id it does not accept.
refused = b'{"ociVersion": "1.0.2", "id": "a/b", "pid": 1, "bundle": "/nonexistent", "status": "created"}'
cases = {
    "prestart (refused input)": (["prestart"], refused),
    "show -c of the sample": (["show", "-c", "--file", sample], b""),
}
def once(binary, args, stdin):
    start = time.perf_counter_ns()
    subprocess.run([binary, *args], input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter_ns() - start) / 1e6
print(f"{'':28} {'this tree':>10} {base_name:>10} {'ratio':>7}   (median ms of {runs}, alternating)")
for name, (args, stdin) in cases.items():
    for binary in (this, base):
        once(binary, args, stdin)  # warm the page cache
    mine, theirs = [], []
    for _ in range(runs):
        mine.append(once(this, args, stdin))
        theirs.append(once(base, args, stdin))
    a, b = statistics.median(mine), statistics.median(theirs)
    print(f"{name:28} {a:10.2f} {b:10.2f} {a / b:7.2f}")
PY
