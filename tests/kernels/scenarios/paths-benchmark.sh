#!/bin/sh
# An openat-heavy loop (a shell redirect opens and closes a file, no fork) in a container traced by
# the hook, with paths (auto) and without (off), and on 6.19+ with the kernel's own strings
# (strings), alternating, $1 runs each (default 5). Then the same loop, longer, fills an 8 MiB
# buffer with paths (fullauto) and without (fulloff): the save of a full buffer. The saved traces
# land in $RESULTS/bench-<mode>-N/; tests/benchmarks/paths.sh reads the loop's time from them
# (first to last event, as the kernel timed it), and for the full buffers the time from runc's return
# to the saved trace's landing (bench-full*-N/landing).
set -e
. /repo/tests/kernels/guest/bundle.sh
runs=${1:-5}
cat > /tmp/loop.sh <<'SH'
i=0
while [ $i -lt 2000 ]; do true < /etc/probe.txt; true < /nonexistent-file 2>/dev/null; i=$((i + 1)); done
SH
make_bundle /tmp/bench-auto /tmp/loop.sh '"org.ociftracehook.buffer-size-kb": "16384"'
make_bundle /tmp/bench-off /tmp/loop.sh '"org.ociftracehook.buffer-size-kb": "16384", "org.ociftracehook.paths": "off"'
modes="auto off"
# 6.19+: also the kernel's own strings (write-buffers=on), with paths from no probe.
if [ -f /sys/kernel/tracing/syscall_user_buf_size ]; then
    make_bundle /tmp/bench-strings /tmp/loop.sh '"org.ociftracehook.buffer-size-kb": "16384", "org.ociftracehook.write-buffers": "on"'
    modes="auto off strings"
fi
sed 's/-lt 2000/-lt 30000/' /tmp/loop.sh > /tmp/long-loop.sh
make_bundle /tmp/bench-fullauto /tmp/long-loop.sh '"org.ociftracehook.buffer-size-kb": "8192"'
make_bundle /tmp/bench-fulloff /tmp/long-loop.sh '"org.ociftracehook.buffer-size-kb": "8192", "org.ociftracehook.paths": "off"'
# landing ID OUT: runs the container, then polls (shell built-ins only, every 10 ms) until its saved
# trace is there; writes the seconds from runc's return to then (/proc/uptime: the guest's coarse
# file times lag under emulation).
landing() {
    local t0 t1 f
    runc run --bundle "/tmp/$1" "$2" > /dev/null 2>&1 < /dev/null || true
    t0=$(cut -d' ' -f1 /proc/uptime)
    while :; do
        for f in /var/lib/oci-ftrace-hook/traces/oci-ftrace-"$2"-*.dat; do [ -e "$f" ] && break 2; done
        sleep 0.01
    done
    t1=$(cut -d' ' -f1 /proc/uptime)
    mkdir -p "$3"; echo "$t0 $t1" > "$3/landing"
    wait_saved "$2"
    cp /var/lib/oci-ftrace-hook/traces/oci-ftrace-"$2"-*.dat "$3/"
}
echo "$modes" > "$RESULTS/modes"
for n in $(seq 1 "$runs"); do
    for mode in $modes; do
        run_bundle /tmp/bench-$mode "bench-$mode-$n" "$RESULTS/bench-$mode-$n"
        wait_for_gc
    done
    for mode in fullauto fulloff; do
        landing bench-$mode "bench-$mode-$n" "$RESULTS/bench-$mode-$n"
        wait_for_gc
    done
done
