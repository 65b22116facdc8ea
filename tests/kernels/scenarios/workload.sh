#!/bin/sh
# The decoder's golden-sample workload (the same as tests/samples/record.sh runs on the host), run
# in a container traced by the hook in the guest; the saved trace lands in $RESULTS/workload/.
#   workload.sh [EXTRA_ANNOTATIONS_JSON]   e.g. '"org.ociftracehook.write-buffers": "on"'
set -e
. /repo/tests/kernels/guest/bundle.sh
cat > /tmp/workload.sh <<'SH'
cat /etc/probe.txt >/dev/null; cat /nonexistent 2>/dev/null; ls /etc >/dev/null; echo phase-two > /sys/kernel/tracing/trace_marker; mkdir /tmp/d; rmdir /tmp/d; rmdir /tmp/d 2>/dev/null; dd if=/dev/zero of=/dev/null bs=512 count=3 2>/dev/null; true
SH
make_bundle /tmp/workload /tmp/workload.sh "${1:-}"
run_bundle /tmp/workload "sample-workload-$$" "$RESULTS/workload"
wait_for_gc
