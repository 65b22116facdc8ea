#!/bin/sh
# What this kernel offers the hook, measured: one markdown table row for the kernel table of docs/testing.md
# (instances, event-fork, openat2 or the fallback walk, how paths are captured, how the trace is
# saved, the text format).
set -e
. /repo/tests/kernels/guest/bundle.sh
t=/sys/kernel/tracing
mkdir $t/instances/probe
instances=yes; [ -f $t/instances/probe/trace ] || instances=no
fork=no; [ -f $t/instances/probe/options/event-fork ] && fork=yes
rmdir $t/instances/probe
openat2=fallback; grep -qE ' __(x64|arm64)_sys_openat2$' /proc/kallsyms && openat2=openat2
cat > /tmp/cap.sh <<'SH'
cat /etc/probe.txt > /dev/null
grep -m1 -o 'sys_openat(dfd: [^,]*' /sys/kernel/tracing/trace
SH
make_bundle /tmp/cap /tmp/cap.sh
run_bundle /tmp/cap capabilities "$RESULTS/capabilities"
wait_for_gc
# The saved trace is a trace.dat: how paths were recorded is a line of the hook's own option in it;
# how the kernel prints an argument is what the container read in its own trace.
paths=$(grep -a -m1 '^paths ' "$RESULTS"/capabilities/*.[dt][ax]t | sed 's/^paths //')
close=$(cat "$RESULTS/capabilities/stdout")
saved=text; head -c 10 "$RESULTS"/capabilities/*.[dt][ax]t | grep -q tracing && saved=trace.dat
echo "| $(uname -r) | $instances | $fork | $openat2 | $paths | $saved | \`$close, ...)\` |"
