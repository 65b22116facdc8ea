#!/bin/sh
# What this kernel offers the hook, measured: one markdown table row for the README's kernel table
# (instances, event-fork, openat2 or the fallback walk, how paths are captured, the text format).
set -e
. /repo/tests/kernels/guest/bundle.sh
t=/sys/kernel/tracing
mkdir $t/instances/probe
instances=yes; [ -f $t/instances/probe/trace ] || instances=no
fork=no; [ -f $t/instances/probe/options/event-fork ] && fork=yes
rmdir $t/instances/probe
openat2=fallback; grep -q ' __x64_sys_openat2$' /proc/kallsyms && openat2=openat2
cat > /tmp/cap.sh <<'SH'
cat /etc/probe.txt > /dev/null
SH
make_bundle /tmp/cap /tmp/cap.sh
run_bundle /tmp/cap capabilities "$RESULTS/capabilities"
wait_for_gc
paths=$(sed -n 's/^# oci-ftrace-hook: paths: //p' "$RESULTS"/capabilities/*.trace)
close=$(grep -m1 -o 'sys_openat(dfd: [^,]*' "$RESULTS"/capabilities/*.trace)
echo "| $(uname -r) | $instances | $fork | $openat2 | $paths | \`$close, ...)\` |"
