#!/bin/sh
# A container whose program starts threads and forks: $RESULTS/threads-bin, a static binary the
# test built for this guest's architecture. Results in $RESULTS/threads/ (see guest/bundle.sh's
# run_bundle).
. /repo/tests/kernels/guest/bundle.sh
echo 'exec /bin/threads' > /tmp/threads.sh
make_bundle /tmp/threads /tmp/threads.sh
cp "$RESULTS/threads-bin" /tmp/threads/rootfs/bin/threads
run_bundle /tmp/threads threads "$RESULTS/threads"
wait_for_gc
