#!/usr/bin/env bash
# The cost of recording paths: an openat-heavy loop (4,000 openat calls, half failing) in a busybox
# container traced by the hook inside a Debian kernel under qemu, with paths (kprobes) and without
# (org.ociftracehook.paths=off), and on 6.19+ also with the kernel's own strings (write-buffers=on),
# alternating. Emulation inflates absolute times, so this prints the loop's median time with paths
# over its median time without: the ratio only.
# Usage: tests/benchmarks/paths.sh [6.1|6.12|7.3] [RUNS]   (needs the published hook in artifacts/test-hook)
set -euo pipefail
kernel=${1:-6.12}
runs=${2:-5}
repo=$(cd "$(dirname "$0")/../.." && pwd)
results=$(mktemp -d "${TMPDIR:-/tmp}/paths-bench.XXXXXX")
trap 'rm -rf "$results"' EXIT
"$repo/tests/kernels/run-in-guest.sh" --kernel "$kernel" --results "$results" --timeout 1800 \
    "$repo/tests/kernels/scenarios/paths-benchmark.sh" "$runs"
python3 - "$results" "$runs" "$kernel" "$repo/artifacts/test-hook/oci-ftrace-hook" <<'PY'
import glob, statistics, subprocess, sys
results, runs, kernel, hook = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def loop_seconds(trace):
    # Saved as text (paths from probes or the kernel) or as a trace.dat (without): show reads both.
    shown = subprocess.run([hook, 'show', '--file', trace], capture_output=True, text=True, errors='replace').stdout
    times = []
    for line in shown.splitlines():
        try:
            times.append(float(line.split(' ', 1)[0]))
        except ValueError:
            pass
    return times[-1] - times[0], len(times)
out = {}
modes = open(f'{results}/modes').read().split()
for mode in modes:
    rows = [loop_seconds(glob.glob(f'{results}/bench-{mode}-{n}/*.trace')[0]) for n in range(1, runs + 1)]
    out[mode] = statistics.median(r[0] for r in rows)
    print(f'{mode:7}: median loop {out[mode]:.3f} s (emulated), {rows[0][1]} lines of show in the first run')
print(f'{kernel}: with paths / without = {out["auto"] / out["off"]:.2f}')
if 'strings' in out:
    print(f'{kernel}: with the kernel\'s own strings and buffers / without paths = {out["strings"] / out["off"]:.2f}')
PY
