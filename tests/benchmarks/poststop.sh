#!/usr/bin/env bash
# Benchmarks poststop and the save of a trace against floors measured in the same run, at three
# fills: empty, the default buffer full, and 8 MiB per CPU full. Each fill runs two identical runc
# containers traced by the hook (`dd bs=1` with overwrite on fills their buffers), which stay alive
# once filled, so that no detached gc collects an instance before it is measured. Then:
#   - copy floor: the first instance's pages read non-blocking from per_cpu/cpuN/trace_pipe_raw
#     into a file in the save directory (dd iflag=nonblock), the least any save can do;
#   - start floor: the hook's bare start (`oci-ftrace-hook --version`), started the same way;
#   - the second container is killed, and its poststop run as runc runs it; then the time until
#     the detached save has renamed its trace.dat into place.
# Prints the medians of RUNS rounds (default 3) and the targets: poststop at most the bare start
# + 5 ms, and the save landed within twice the copy floor + 15 ms.
# Needs root, runc, busybox-static. Usage: [OCI_FTRACE_HOOK_DIR=DIR] poststop.sh [RUNS]
set -euo pipefail
runs=${1:-3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/oci-ftrace-poststop-bench.XXXXXX)
source "$repo/tests/benchmarks/host-state.sh"
ids=()
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
    local cmd="\"sh\", \"-c\", \"dd if=/dev/zero of=/dev/null bs=1 count=$2 2>/dev/null; touch /filled; exec sleep 600\""
    sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"readonly": true/"readonly": false/' -e "s|\"sh\"$|$cmd|" \
        -e "s|\"ociVersion\"|\"hooks\": {\"prestart\": [{\"path\": \"$hook\", \"args\": [\"h\", \"prestart\", \"--config\", \"$b/hook.conf\"]}]}, \"annotations\": {$buffer}, \"ociVersion\"|" \
        "$b/config.json"
    echo "$b"
}
instance_of() { # ID: the instance its record names
    local f; f=$(grep -l "\"containerId\": *\"$1\"" /run/oci-ftrace-hook/instances/*.json | head -1)
    echo "/sys/kernel/tracing/instances/$(basename "$f" .json)"
}
now_us() { echo "${EPOCHREALTIME/./}"; } # bash's own clock: no process started to read it
ms_since() { local end; end=$(now_us); echo "scale=1; ($end - $1) / 1000" | bc; }
median() { tr ' ' '\n' | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
exec {pause}<> <(:) # a pipe nothing is written to: `read -t` on it waits without starting a process

printf "%-22s %7s %9s %7s %9s %7s %9s %6s %9s\n" fill start poststop "+ms" "target" copy saved "x" "target"
for fill in "empty:0:" "default buffer full:200000:" "8 MiB per CPU full:700000:8192"; do
    IFS=: read -r name count kb <<< "$fill"
    starts=() posts=() copies=() saves=() sizes=()
    for round in $(seq "$runs"); do
        # The earlier rounds' instances are removed first: a removal holds ftrace's event lock for
        # its RCU waits (~0.1 s), which the save's events-off write would wait behind.
        for _ in $(seq 600); do
            ls -d /sys/kernel/tracing/instances/oci-ftrace-pstbench-* >/dev/null 2>&1 || pgrep -f 'oci-ftrace-hook gc' >/dev/null || break
            sleep 0.05
        done
        for which in floor hook; do
            b=$(bundle "${name// /-}-$round-$which" "$count" "$kb")
            id="pstbench-$which-$$-${#ids[@]}"; ids+=("$id")
            runc run --detach --bundle "$b" "$id" >/dev/null 2>&1
            eval "bundle_$which=$b id_$which=$id"
        done
        for b in "$bundle_floor" "$bundle_hook"; do
            for _ in $(seq 1200); do [ -e "$b/rootfs/filled" ] && break; sleep 0.05; done
        done
        inst=$(instance_of "$id_floor")
        echo 0 > "$inst/tracing_on"
        start=$(now_us)
        for f in "$inst"/per_cpu/cpu*/trace_pipe_raw; do
            dd if="$f" of="$bundle_floor/saved/floor.raw" bs=4096 iflag=nonblock oflag=append conv=notrunc 2>/dev/null || true
        done
        copies+=("$(ms_since "$start")")
        start=$(now_us)
        "$hook" --version >/dev/null
        starts+=("$(ms_since "$start")")
        runc kill "$id_hook" KILL
        for _ in $(seq 600); do [ "$(runc state "$id_hook" 2>/dev/null | grep -o '"status": "[a-z]*"' | cut -d'"' -f4)" = stopped ] && break; sleep 0.01; done
        state="{\"ociVersion\":\"1.0.2\",\"id\":\"$id_hook\",\"status\":\"stopped\",\"bundle\":\"$bundle_hook\"}"
        start=$(now_us)
        echo "$state" | "$hook" poststop --config "$bundle_hook/hook.conf" 2>/dev/null
        posts+=("$(ms_since "$start")")
        # The detached gc renames the finished trace into place; the rename's time is the save
        # directory's mtime, so the wait looks only every 5 ms (with shell built-ins: a busy
        # waiter would take CPU from the niced gc it waits for).
        for ((i = 0; i < 6000; i++)); do
            for f in "$bundle_hook"/saved/*.dat; do [ -e "$f" ] && break 2; done
            read -r -t 0.005 -u "$pause" || true
        done
        landed=$(stat -c %.6Y "$bundle_hook/saved"); landed=${landed/./}
        saves+=("$(echo "scale=1; ($landed - $start) / 1000" | bc)")
        sizes+=("$(stat -c %s "$bundle_hook"/saved/*.dat)")
        runc delete --force "$id_floor" >/dev/null 2>&1 || true
        runc delete --force "$id_hook" >/dev/null 2>&1 || true
        wait_saves
        echo "{\"ociVersion\":\"1.0.2\",\"id\":\"$id_floor\",\"status\":\"stopped\",\"bundle\":\"$bundle_floor\"}" | "$hook" poststop --config "$bundle_floor/hook.conf" 2>/dev/null
        wait_saves
    done
    s=$(echo "${starts[*]}" | median); p=$(echo "${posts[*]}" | median); c=$(echo "${copies[*]}" | median); v=$(echo "${saves[*]}" | median)
    printf "%-22s %7.1f %9.1f %7.1f %9s %7.1f %9.1f %6.2f %9s   (%.1f MB)\n" "$name" "$s" "$p" "$(echo "$p - $s" | bc)" \
        "$(echo "$p <= $s + 5" | bc | sed 's/1/ok/; s/0/over/')" "$c" "$v" "$(echo "scale=2; $v / ($c + 0.05)" | bc)" \
        "$(echo "$v <= 2 * $c + 15" | bc | sed 's/1/ok/; s/0/over/')" "$(echo "$(echo "${sizes[*]}" | median) / 1048576" | bc -l)"
done
echo "start: the hook's bare start; +ms: poststop beyond it (target <= 5); copy: the raw-copy floor into the save"
echo "directory; saved: poststop's start until the trace.dat is in place (target <= 2 x copy + 15 ms); medians of $runs rounds"
