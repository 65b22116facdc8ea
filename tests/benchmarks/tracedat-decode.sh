#!/usr/bin/env bash
# Benchmarks the trace.dat decoder against the text decoder on the same events, in one run next to
# `trace-cmd report` of the same file. One runc container traced by the hook runs
# `dd bs=1 count=300000` (~1.2 million events), then waits: its buffer is read once as ftrace's
# text (the instance's `trace`), then the container ends and the hook saves the same pages as a
# trace.dat. Prints the decoders' events per second (pages or lines to events, best of five, in
# the test project's Release build), `show --summary` of each file with the published binary, and
# trace-cmd report. Needs root, runc, busybox-static, trace-cmd. Usage: tracedat-decode.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/oci-ftrace-tracedat-bench.XXXXXX)
source "$repo/tests/benchmarks/host-state.sh"
cleanup() {
    runc delete --force "tracedat-bench-$$" >/dev/null 2>&1 || true
    restore_host
    rm -rf "$work"
}
trap cleanup EXIT
# OCI_FTRACE_HOOK_DIR: a hook published already (as tests/run.sh does), else one is published here.
if [ -n "${OCI_FTRACE_HOOK_DIR:-}" ]; then hook="$OCI_FTRACE_HOOK_DIR/oci-ftrace-hook"
else dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$work/hook" --nologo -v quiet; hook="$work/hook/oci-ftrace-hook"; fi

b="$work/bundle"; mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/sys" "$b/rootfs/dev" "$b/saved"
cp /bin/busybox "$b/rootfs/bin/" && for c in sh dd sleep; do ln -s busybox "$b/rootfs/bin/$c"; done
(cd "$b" && runc spec)
echo "save-dir = $b/saved" > "$b/hook.conf" # the host's save directory, as far as the hook knows
script='dd if=/dev/zero of=/dev/null bs=1 count=300000 2>/dev/null; echo BENCH-DONE > /sys/kernel/tracing/trace_marker; sleep 600'
sed -i -e 's/"terminal": true/"terminal": false/' \
    -e "s|\"sh\"$|\"sh\", \"-c\", \"$script\"|" \
    -e "s|\"ociVersion\"|\"hooks\": {\"prestart\": [{\"path\": \"$hook\", \"args\": [\"h\", \"prestart\", \"--config\", \"$b/hook.conf\"]}], \"poststop\": [{\"path\": \"$hook\", \"args\": [\"h\", \"poststop\", \"--config\", \"$b/hook.conf\"]}]}, \"annotations\": {\"org.ociftracehook.buffer-size-kb\": \"65536\"}, \"ociVersion\"|" \
    "$b/config.json"
id="tracedat-bench-$$"
runc run --bundle "$b" "$id" >/dev/null 2>&1 &
runner=$!
instance=""
for _ in $(seq 600); do
    instance=$(ls -d /sys/kernel/tracing/instances/*"$id"* 2>/dev/null | head -1 || true)
    [ -n "$instance" ] && grep -q BENCH-DONE "$instance/trace" 2>/dev/null && break
    sleep 0.5
done
cat "$instance/trace" > "$work/same-buffer.trace"
runc kill "$id" KILL
wait "$runner" || true
wait_saves
dat=$(ls "$b"/saved/*.dat)
for _ in $(seq 300); do pgrep -f 'oci-ftrace-hook gc' >/dev/null || break; sleep 0.1; done

cat "$dat" "$work/same-buffer.trace" > /dev/null # into the page cache
ms() { local s e; s=$(date +%s%N); "$@" > /dev/null 2>&1; e=$(date +%s%N); echo "$(( (e - s) / 1000000 ))"; }
line=$(DOTNET_TieredCompilation=0 BENCH_DAT="$dat" BENCH_TEXT="$work/same-buffer.trace" dotnet test "$repo/tests/OciFtraceHook.Tests" -c Release --nologo \
    --filter "FullyQualifiedName~DecodeBenchmark" --logger "console;verbosity=detailed" 2>&1 | grep -o 'BENCH .*' | head -1)
show_dat=$(ms "$hook" show --file "$dat" --summary)
show_text=$(ms "$hook" show --file "$work/same-buffer.trace" --summary)
report=$(ms trace-cmd report -i "$dat")
echo "files: trace.dat $(stat -c %s "$dat") bytes, text $(stat -c %s "$work/same-buffer.trace") bytes"
echo "$line" | awk -v sd="$show_dat" -v st="$show_text" -v r="$report" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "decode to events (same buffer): trace.dat %d events in %.1f ms = %.1f M events/s; text %d events in %.1f ms = %.1f M events/s; trace.dat %.2fx the text\n",
        v["binary_events"], v["binary_s"] * 1000, v["binary_meps"], v["text_events"], v["text_s"] * 1000, v["text_meps"], v["ratio"]
    printf "show --summary (published binary): trace.dat %d ms, text %d ms (%.2fx)\n", sd, st, st / (sd ? sd : 1)
    printf "trace-cmd report of the trace.dat: %d ms (%.1fx our show --summary of it)\n", r, r / (sd ? sd : 1)
}'
