#!/usr/bin/env bash
# Records the decoder's golden samples from real containers traced by the hook (root, runc,
# busybox-static), into tests/OciFtraceHook.Tests/Decoding/Samples (or the directory named):
#   busybox-workload.trace  the text decoder's sample: a small shell workload (files opened and
#                           missing, a directory made and removed, children, a marker) as the
#                           container read it from its own trace at its end, under the arch line a
#                           text save begins with (the hook saves a trace.dat wherever the kernel
#                           describes its pages, as here; a text save only where it does not)
#   busybox-workload.dat    the trace.dat the hook saved of the same run
#   lost-events.pipe        what a container read from its own trace_pipe after its 16 KiB buffer
#                           overflowed: ftrace's "CPU:N [LOST M EVENTS]" lines among the events
# Then review the decoded output and write it as busybox-workload.expected (and the summary):
#   oci-ftrace-hook show --file busybox-workload.trace > busybox-workload.expected
#   oci-ftrace-hook show --summary --file busybox-workload.trace > busybox-workload.summary.expected
#   tests/samples/record.sh [DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-"$repo/tests/OciFtraceHook.Tests/Decoding/Samples"}
mkdir -p "$out"
work=$(mktemp -d /tmp/oci-ftrace-samples.XXXXXX)
source "$repo/tests/benchmarks/host-state.sh"
trap 'restore_host; rm -rf "$work"' EXIT

dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$work/hook" --nologo -v quiet
bundle() { # dir script annotations-json
    mkdir -p "$1/rootfs/bin" "$1/rootfs/proc" "$1/rootfs/sys" "$1/rootfs/dev" "$1/rootfs/tmp" "$1/rootfs/etc" "$1/saved"
    cp /bin/busybox "$1/rootfs/bin/"
    for a in sh cat ls mkdir rmdir dd echo timeout head true; do ln -s busybox "$1/rootfs/bin/$a"; done
    echo probe > "$1/rootfs/etc/probe.txt"
    (cd "$1" && runc spec)
    python3 - "$1" "$2" "$3" "$work/hook/oci-ftrace-hook" <<'PY'
import json, sys
d, script, annotations, hook = sys.argv[1:5]
c = json.load(open(d + '/config.json'))
c['process']['terminal'] = False
c['process']['args'] = ['sh', '-c', script]
c['root']['readonly'] = False
open(d + '/hook.conf', 'w').write('save-dir = ' + d + '/saved\n')
c['hooks'] = {s: [{'path': hook, 'args': ['oci-ftrace-hook', s, '--config', d + '/hook.conf']}] for s in ('prestart', 'poststop')}
c['annotations'] = json.loads(annotations)
json.dump(c, open(d + '/config.json', 'w'), indent=1)
PY
}

bundle "$work/workload" 'cat /etc/probe.txt >/dev/null; cat /nonexistent 2>/dev/null; ls /etc >/dev/null; echo phase-two > /sys/kernel/tracing/trace_marker; mkdir /tmp/d; rmdir /tmp/d; rmdir /tmp/d 2>/dev/null; dd if=/dev/zero of=/dev/null bs=512 count=3 2>/dev/null; cat /sys/kernel/tracing/trace > /tmp/own.trace' '{}'
runc run --bundle "$work/workload" "sample-workload-$$" >/dev/null
wait_saves
{ echo "# oci-ftrace-hook: arch $(uname -m)"; cat "$work/workload/rootfs/tmp/own.trace"; } > "$out/busybox-workload.trace"
cp "$work"/workload/saved/*.dat "$out/busybox-workload.dat"

bundle "$work/lost" 'dd if=/dev/zero of=/dev/null bs=1 count=5000 2>/dev/null; timeout 1 cat /sys/kernel/tracing/trace_pipe | head -c 60000' \
    '{"org.ociftracehook.buffer-size-kb": "16"}'
runc run --bundle "$work/lost" "sample-lost-$$" > "$work/lost-events.pipe"
# Cut at the last whole line.
sed -i '$ d' "$work/lost-events.pipe"
# On 6.18 the container's own read came without the line in five of six tries (a read of the same
# instance's trace_pipe from the host had it): the sample there is then kept; run it again.
grep -q 'LOST' "$work/lost-events.pipe" || { echo "no LOST line recorded; $out/lost-events.pipe kept as it was" >&2; exit 1; }
mv "$work/lost-events.pipe" "$out/lost-events.pipe"
ls -l "$out"
