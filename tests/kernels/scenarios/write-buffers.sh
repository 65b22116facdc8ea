#!/bin/sh
# Bytes of syscall buffers on 6.19+: a secret a container writes stays out of its trace by default,
# and is there when the container asks (org.ociftracehook.write-buffers=on), with the kernel's own
# path strings then and no probes. Each part leaves its results in $RESULTS/<part>/.
set -e
. /repo/tests/kernels/guest/bundle.sh
t=/sys/kernel/tracing
cat $t/syscall_user_buf_size > "$RESULTS/top-level-before"
cat > /tmp/secret.sh <<'SH'
echo "SECRET-$((6*7))-7f3a9c" > /tmp/secret-file
cat /nonexistent-file 2>/dev/null
echo '--- own trace ---'
cat /sys/kernel/tracing/trace
SH
part() {
    make_bundle "/tmp/$1" /tmp/secret.sh "$2"
    run_bundle "/tmp/$1" "buffers-$1" "$RESULTS/$1"
    wait_for_gc
    cat $t/dynamic_events > "$RESULTS/$1/dynamic-events-after"
}
part default ''
part on '"org.ociftracehook.write-buffers": "on"'
part bytes '"org.ociftracehook.write-buffers": "12"'
cat $t/syscall_user_buf_size > "$RESULTS/top-level-after"
