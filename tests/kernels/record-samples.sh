#!/usr/bin/env bash
# Records the decoder's golden samples on the kernels of the matrix: the workload of
# tests/samples/record.sh in a container traced by the hook inside a guest, saved (a trace.dat) to
# tests/OciFtraceHook.Tests/Decoding/Samples/guest-SAMPLE-workload.dat, where SAMPLE is the
# kernel (6.1, 6.12, 7.3: the hook's defaults, paths from probes), 7.3-buffers (7.3 with
# org.ociftracehook.write-buffers=on: the kernel's own strings and bytes) or 6.1-arm64 (the arm64
# 6.1 with the hook of the arm64 .deb, built here by arm64-hook.sh). Review the decoded
# output, then write it as the expected file:
#   oci-ftrace-hook show --file guest-6.1-workload.dat > guest-6.1-workload.dat.expected
# (The guest-SAMPLE-workload.trace samples beside them are text saves of an earlier version: the
# text decoder's golden samples.)
#   tests/kernels/record-samples.sh [SAMPLE...]   (all of them when none is named)
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
out="$repo/tests/OciFtraceHook.Tests/Decoding/Samples"
[ $# -gt 0 ] || set -- 6.1 6.12 7.3 7.3-buffers 6.1-arm64
arm64_hook=
for sample in "$@"; do
    kernel=${sample%-buffers} annotations= hook=()
    [ "$kernel" = "$sample" ] || annotations='"org.ociftracehook.write-buffers": "on"'
    case "$kernel" in
        *-arm64) arm64_hook=${arm64_hook:-$("$repo/tests/kernels/arm64-hook.sh")}; hook=(--hook-dir "$arm64_hook") ;;
    esac
    results=$(mktemp -d "${TMPDIR:-/tmp}/guest-samples.XXXXXX")
    "$repo/tests/kernels/run-in-guest.sh" --kernel "$kernel" "${hook[@]}" --results "$results" "$repo/tests/kernels/scenarios/workload.sh" "$annotations"
    [ "$(cat "$results/workload/exit")" = 0 ] || { cat "$results/workload/stderr" >&2; exit 1; }
    cp "$results"/workload/*.dat "$out/guest-$sample-workload.dat"
    rm -rf "$results"
done
ls -l "$out"/guest-*
