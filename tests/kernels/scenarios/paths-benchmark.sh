#!/bin/sh
# An openat-heavy loop (a shell redirect opens and closes a file, no fork) in a container traced by
# the hook, with paths (auto) and without (off), and on 6.19+ with the kernel's own strings
# (strings), alternating, $1 runs each (default 5). The saved traces land in
# $RESULTS/bench-<auto|off|strings>-N/; tests/benchmarks/paths.sh reads the loop's time
# from them (first to last event, as the kernel timed it).
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
echo "$modes" > "$RESULTS/modes"
for n in $(seq 1 "$runs"); do
    for mode in $modes; do
        run_bundle /tmp/bench-$mode "bench-$mode-$n" "$RESULTS/bench-$mode-$n"
        wait_for_gc
    done
done
