#!/bin/sh
# A runc container with the hook reads its own trace in the guest, tries to change tracing, and
# the hook saves its trace after it ends. Results in $RESULTS/container-trace/.
set -e
. /repo/tests/kernels/guest/bundle.sh
cat > /tmp/workload.sh <<'SH'
t=/sys/kernel/tracing
cat /etc/probe.txt >/dev/null
cat /nonexistent-file 2>/dev/null
echo MARK-guest > $t/trace_marker
ls $t
for f in trace tracing_on set_event_pid buffer_size_kb; do
    if echo 0 2>/dev/null > $t/$f; then echo "WROTE $f"; else echo "REFUSED $f"; fi
done
if touch $t/new 2>/dev/null; then echo CREATED; else echo NOCREATE; fi
echo '--- trace ---'
# exec: a forked reader's open of trace (which pauses the recording) could come before its
# parent's clone returned and be recorded, and the child would go uncounted.
exec cat $t/trace
SH
make_bundle /tmp/ct /tmp/workload.sh
run_bundle /tmp/ct guest-trace "$RESULTS/container-trace"
wait_for_gc
ls /sys/kernel/tracing/instances > "$RESULTS/container-trace/instances-after"
cat /sys/kernel/tracing/dynamic_events > "$RESULTS/container-trace/dynamic-events-after"
