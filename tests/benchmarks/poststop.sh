#!/usr/bin/env bash
# Benchmarks the save of a trace (the trace.dat copy of the ring buffer) against its floor: a plain
# non-blocking read of the same per_cpu/cpuN/trace_pipe_raw files, at three fills: empty, the
# default buffer full, and 8 MiB per CPU full. Each fill runs two identical runc containers
# traced by the hook (`dd bs=1` with overwrite on fills their buffers); once both have ended,
# the first instance's pages are read by `dd iflag=nonblock` (the floor) and the second's are
# saved through the hook's poststop, run as runc would run it: poststop stops the recording and
# returns, and the detached gc it starts saves the trace. Prints the time poststop took (what the
# runtime waits for), the time until the trace was on disk, and that time's ratio to the floor.
# Needs root, runc, busybox-static. Usage: poststop.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/oci-ftrace-poststop-bench.XXXXXX)
source "$repo/tests/benchmarks/host-state.sh"
ids=()
hook=""
cleanup() {
    for id in "${ids[@]}"; do runc delete --force "$id" >/dev/null 2>&1 || true; done
    restore_host
    rm -rf "$work"
}
trap cleanup EXIT
# OCI_FTRACE_HOOK_DIR: a hook published already (as tests/run.sh does), else one is published here.
if [ -n "${OCI_FTRACE_HOOK_DIR:-}" ]; then hook="$OCI_FTRACE_HOOK_DIR/oci-ftrace-hook"
else dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$work/hook" --nologo -v quiet; hook="$work/hook/oci-ftrace-hook"; fi

bundle() { # NAME COUNT BUFFER_KB(or "")
    local b="$work/$1"; mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/sys" "$b/rootfs/dev" "$b/saved"
    cp /bin/busybox "$b/rootfs/bin/" && for c in sh dd true; do ln -s busybox "$b/rootfs/bin/$c"; done
    (cd "$b" && runc spec)
    local buffer=""; [ -n "$3" ] && buffer="\"org.ociftracehook.buffer-size-kb\": \"$3\""
    echo "save-dir = $b/saved" > "$b/hook.conf" # the host's save directory (an annotation may only pick an allowed one)
    local cmd="\"true\""; [ "$2" -gt 0 ] && cmd="\"dd\", \"if=/dev/zero\", \"of=/dev/null\", \"bs=1\", \"count=$2\""
    sed -i -e 's/"terminal": true/"terminal": false/' -e "s|\"sh\"$|$cmd|" \
        -e "s|\"ociVersion\"|\"hooks\": {\"prestart\": [{\"path\": \"$hook\", \"args\": [\"h\", \"prestart\", \"--config\", \"$b/hook.conf\"]}]}, \"annotations\": {$buffer}, \"ociVersion\"|" \
        "$b/config.json"
    echo "$b"
}
now_us() { echo "${EPOCHREALTIME/./}"; } # bash's own clock: no process started to read it
ms_since() { local end; end=$(now_us); echo "scale=1; ($end - $1) / 1000" | bc; }
exec {pause}<> <(:) # a pipe nothing is written to: `read -t` on it waits without starting a process

printf "%-26s %10s %12s %10s %8s %10s\n" fill "floor ms" "poststop ms" "saved ms" ratio "saved MB"
for fill in "empty:0:" "default buffer full:200000:" "8 MiB per CPU full:700000:8192"; do
    IFS=: read -r name count kb <<< "$fill"
    for which in floor hook; do
        b=$(bundle "${name// /-}-$which" "$count" "$kb")
        id="pstbench-$which-$$-${#ids[@]}"; ids+=("$id")
        runc run --detach --bundle "$b" "$id" >/dev/null 2>&1 || runc run --bundle "$b" "$id" >/dev/null 2>&1 || true
        for _ in $(seq 600); do [ "$(runc state "$id" 2>/dev/null | grep -o '"status": "[a-z]*"' | cut -d'"' -f4)" = stopped ] && break; sleep 0.1; done
        eval "bundle_$which=$b id_$which=$id"
    done
    inst=$(ls -d /sys/kernel/tracing/instances/*"$id_floor"*)
    echo 0 > "$inst/tracing_on"
    start=$(now_us)
    for f in "$inst"/per_cpu/cpu*/trace_pipe_raw; do dd if="$f" of=/dev/null bs=4096 iflag=nonblock 2>/dev/null || true; done
    floor=$(ms_since "$start")
    state="{\"ociVersion\":\"1.0.2\",\"id\":\"$id_hook\",\"status\":\"stopped\",\"bundle\":\"$bundle_hook\"}"
    start=$(now_us)
    echo "$state" | "$hook" poststop --config "$bundle_hook/hook.conf" 2>/dev/null
    post=$(ms_since "$start")
    # The detached gc renames the finished trace into place: looked for every 0.5 ms, with shell
    # built-ins only, so the wait itself starts no process.
    for ((i = 0; i < 60000; i++)); do
        for f in "$bundle_hook"/saved/*.dat; do [ -e "$f" ] && break 2; done
        read -r -t 0.0005 -u "$pause" || true
    done
    saved=$(ms_since "$start")
    size=$(stat -c %s "$bundle_hook"/saved/*.dat)
    printf "%-26s %10s %12s %10s %8s %10.1f\n" "$name" "$floor" "$post" "$saved" "$(echo "scale=1; $saved / ($floor + 0.05)" | bc)" "$(echo "$size / 1048576" | bc -l)"
    runc delete --force "$id_floor" >/dev/null 2>&1 || true
    runc delete --force "$id_hook" >/dev/null 2>&1 || true
    echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$id_floor\",\"status\":\"stopped\",\"bundle\":\"$bundle_floor\"}" | "$hook" poststop --config "$bundle_floor/hook.conf" 2>/dev/null
done
