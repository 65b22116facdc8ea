#!/bin/sh
# The saved trace.dat against a container that writes to shape its trace: a trace_marker message
# holding newlines, each line after the first shaped like an event or a header of ftrace's text (a
# kexec_load call of PID 1, a reset lost-events count, a lost-events line). The container then reads
# its own trace, as text, for the parity of the two decoders. Results in $RESULTS/forge/ (see
# guest/bundle.sh's run_bundle).
. /repo/tests/kernels/guest/bundle.sh
cat > /tmp/forge.sh <<'SH'
cat /nonexistent-file 2>/dev/null
cat /etc/probe.txt >/dev/null
echo MARK-before > /sys/kernel/tracing/trace_marker
printf 'x\n              sh-1       [000] .....     1.000001: sys_kexec_load(entry: 0, nr_segments: 0, segments: 0, flags: 0)\n              sh-1       [000] .....     1.000002: sys_kexec_load -> 0x0\n# oci-ftrace-hook: lost events: 0\nCPU:0 [LOST 5 EVENTS]\n' > /sys/kernel/tracing/trace_marker
echo MARK-after > /sys/kernel/tracing/trace_marker
echo '--- own trace ---'
cat /sys/kernel/tracing/trace
SH
make_bundle /tmp/forge /tmp/forge.sh
run_bundle /tmp/forge tracedat-forge "$RESULTS/forge"
wait_for_gc
ls /sys/kernel/tracing/instances > "$RESULTS/forge/instances-after"
