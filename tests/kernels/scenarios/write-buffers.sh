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
# show of the running container (a live instance has no header: its record says how paths are
# recorded). The container waits until the guest has run show.
cat > /tmp/live.sh <<'SH'
cat /nonexistent-file 2>/dev/null
echo "SECRET-$((6*7))-7f3a9c" > /tmp/secret-file
touch /ready
while [ ! -e /go ]; do sleep 0.1; done
SH
make_bundle /tmp/live /tmp/live.sh
run_bundle /tmp/live buffers-live "$RESULTS/live" & container=$!
# Unless the container ended without getting there (its stderr says why).
while [ ! -e /tmp/live/rootfs/ready ]; do
    kill -0 $container 2>/dev/null || { echo "the live container ended before it was ready: $(cat "$RESULTS/live/stderr")" >&2; exit 1; }
    sleep 0.1
done
$HOOK show buffers-live > "$RESULTS/live/show" 2> "$RESULTS/live/show-stderr" || echo "show: exit $?" >> "$RESULTS/live/show-stderr"
touch /tmp/live/rootfs/go
wait $container
wait_for_gc
cat $t/syscall_user_buf_size > "$RESULTS/top-level-after"

# The path workload under strace -f with the kernel's own strings: the two views of one run.
sed '/own trace/,$d' /repo/tests/kernels/guest/files-workload.sh > /tmp/plain.sh
make_bundle /tmp/strace /tmp/plain.sh '"org.ociftracehook.write-buffers": "on"'
mkdir -p "$RESULTS/strace"
status=0
strace -f -qq -o "$RESULTS/strace/strace.txt" runc run --bundle /tmp/strace buffers-strace > "$RESULTS/strace/stdout" 2> "$RESULTS/strace/stderr" < /dev/null || status=$?
echo $status > "$RESULTS/strace/exit"
wait_saved buffers-strace
cp /var/lib/oci-ftrace-hook/traces/oci-ftrace-buffers-strace-*.dat "$RESULTS/strace/" 2>/dev/null || true
wait_for_gc
