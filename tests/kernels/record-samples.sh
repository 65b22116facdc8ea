#!/usr/bin/env bash
# Records the decoder's golden samples on each kernel of the matrix: the workload of
# tests/samples/record.sh in a container traced by the hook inside a 6.1 and a 6.12 guest, saved to
# tests/OciFtraceHook.Tests/Decoding/Samples/guest-KERNEL-workload.trace. Review the decoded output,
# then write it as the expected file:
#   oci-ftrace-hook show --file guest-6.1-workload.trace > guest-6.1-workload.expected
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out="$repo/tests/OciFtraceHook.Tests/Decoding/Samples"
for kernel in 6.1 6.12; do
    results=$(mktemp -d "${TMPDIR:-/tmp}/guest-samples.XXXXXX")
    "$repo/tests/kernels/run-in-guest.sh" --kernel "$kernel" --results "$results" "$repo/tests/kernels/scenarios/workload.sh"
    [ "$(cat "$results/workload/exit")" = 0 ] || { cat "$results/workload/stderr" >&2; exit 1; }
    cp "$results"/workload/*.trace "$out/guest-$kernel-workload.trace"
    rm -rf "$results"
done
ls -l "$out"/guest-*
