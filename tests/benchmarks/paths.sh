#!/usr/bin/env bash
# The cost of recording paths: an openat-heavy loop (4,000 openat calls, half failing) in a busybox
# container traced by the hook inside a Debian kernel under qemu, with paths (kprobes) and without
# (org.ociftracehook.paths=off), and on 6.19+ also with the kernel's own strings (write-buffers=on),
# alternating. Emulation inflates absolute times, so this prints the loop's median time with paths
# over its median time without: the ratio only. Then the save of a full 8 MiB buffer with the
# probes' records and without (median, and the ratio), and how fast the largest trace.dat with paths
# decodes here (pages to events, and to calls with their paths joined; the test project's
# DecodeBenchmark, best of five).
# Usage: tests/benchmarks/paths.sh [6.1|6.12|7.3] [RUNS]   (needs the published hook in artifacts/test-hook)
set -euo pipefail
kernel=${1:-6.12}
runs=${2:-5}
repo=$(cd "$(dirname "$0")/../.." && pwd)
results=$(mktemp -d "${TMPDIR:-/tmp}/paths-bench.XXXXXX")
trap 'rm -rf "$results"' EXIT
"$repo/tests/kernels/run-in-guest.sh" --kernel "$kernel" --results "$results" --timeout 1800 \
    "$repo/tests/kernels/scenarios/paths-benchmark.sh" "$runs"
python3 - "$results" "$runs" "$kernel" "$repo/artifacts/test-hook/oci-ftrace-hook" > "$results/summary" <<'PY'
import datetime, glob, os, re, statistics, subprocess, sys
results, runs, kernel, hook = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def save_seconds(landing):
    # From runc's return to the saved trace's landing, by the guest's /proc/uptime.
    t0, t1 = map(float, open(landing).read().split())
    return t1 - t0
def loop_seconds(trace):
    # The first to the last call show prints of the saved trace.dat.
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
    rows = [loop_seconds(glob.glob(f'{results}/bench-{mode}-{n}/*.dat')[0]) for n in range(1, runs + 1)]
    out[mode] = statistics.median(r[0] for r in rows)
    print(f'{mode:7}: median loop {out[mode]:.3f} s (emulated), {rows[0][1]} lines of show in the first run')
print(f'{kernel}: with paths / without = {out["auto"] / out["off"]:.2f}')
saves = {}
for mode in ('fullauto', 'fulloff'):
    files = [glob.glob(f'{results}/bench-{mode}-{n}/*.dat')[0] for n in range(1, runs + 1)]
    saves[mode] = statistics.median(save_seconds(f'{results}/bench-{mode}-{n}/landing') for n in range(1, runs + 1))
    print(f'{mode:8}: median landing of the saved full buffer after runc returned {saves[mode] * 1000:.0f} ms (emulated), {os.path.getsize(files[0]) >> 10} KiB')
print(f'{kernel}: landing of a full buffer saved with the probes\' records / without = {saves["fullauto"] / saves["fulloff"]:.2f}')
if 'strings' in out:
    print(f'{kernel}: with the kernel\'s own strings and buffers / without paths = {out["strings"] / out["off"]:.2f}')
largest = max(glob.glob(f'{results}/bench-fullauto-*/*.dat'), key=os.path.getsize)
print('BENCH_DAT=' + largest)
PY
grep -v '^BENCH_DAT=' "$results/summary"
dat=$(sed -n 's/^BENCH_DAT=//p' "$results/summary")
# The text side of the benchmark is the recorded host sample: only the trace.dat figures matter here.
# Tiered compilation off: the decode loop runs a few times only, so tiering would leave it in
# unoptimized code (4-9 M events/s against 32 M here), unlike the native AOT binary users run.
line=$(DOTNET_TieredCompilation=0 BENCH_DAT="$dat" dotnet test "$repo/tests/OciFtraceHook.Tests" -c Release --nologo \
    --filter "FullyQualifiedName~DecodeBenchmark" --logger "console;verbosity=detailed" 2>&1 | grep -o 'BENCH .*' | head -1)
echo "$line" | awk '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "decode here of that trace.dat with paths (%d events): pages to events %.1f M events/s; to calls, paths joined, %.1f M events/s\n",
        v["binary_events"], v["binary_meps"], v["joined_meps"] }'
# The published binary, start to exit, best of five: pages to the summary table.
python3 - "$repo/artifacts/test-hook/oci-ftrace-hook" "$dat" <<'PY'
import subprocess, sys, time
hook, dat = sys.argv[1], sys.argv[2]
best = min((lambda t: (subprocess.run([hook, 'show', '--file', dat, '--summary'], capture_output=True, check=True), time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(5))
print(f'show --summary of it (native AOT, process start included): {best * 1000:.0f} ms')
PY
