#!/usr/bin/env bash
# What traced containers cost every other process on the host. Each traced container is an ftrace
# instance with syscall events on, filtered (set_event_pid) to its own processes; the kernel still
# visits every instance on every system call of every process. This times an untraced
# `dd if=/dev/zero of=/dev/null bs=1 count=300000` (600,000 syscalls) on the host with 0, 1, 8 and
# 32 such instances (median of 3 runs each), with all syscall events and with a short list
# (openat,close), and prints the cost per syscall per traced container. Needs root.
# Usage: host-cost.sh [COUNTS...]   (default: 0 1 8 32)
set -euo pipefail
counts=("$@"); [ ${#counts[@]} -gt 0 ] || counts=(0 1 8 32)
tracefs=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "tracefs") print $5; break } }' /proc/self/mountinfo | head -1)
mounted_here=no
if [ -z "$tracefs" ]; then
    mount -t tracefs nodev /sys/kernel/tracing; tracefs=/sys/kernel/tracing; mounted_here=yes
fi
sleep 600 & other=$! # the "container": a process none of the timed work belongs to
made=()
cleanup() {
    for i in "${made[@]}"; do
        echo 0 > "$i/tracing_on" 2>/dev/null || true
        echo 0 > "$i/events/enable" 2>/dev/null || true
        rmdir "$i" 2>/dev/null || true
    done
    kill "$other" 2>/dev/null || true
    [ "$mounted_here" = no ] || umount "$tracefs" || true
}
trap cleanup EXIT

median_ms() {
    local runs=()
    for _ in 1 2 3; do
        local s e; s=$(date +%s%N)
        dd if=/dev/zero of=/dev/null bs=1 count=300000 2>/dev/null
        e=$(date +%s%N); runs+=($(( (e - s) / 1000000 )))
    done
    printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}

declare -A result
for events in all short; do
    for n in "${counts[@]}"; do
        while [ ${#made[@]} -lt "$n" ]; do
            i="$tracefs/instances/ftcost-$$-${#made[@]}"
            mkdir "$i"; made+=("$i")
            echo "$other" > "$i/set_event_pid"
            if [ "$events" = all ]; then echo 1 > "$i/events/syscalls/enable"
            else for s in openat close; do echo 1 > "$i/events/syscalls/sys_enter_$s/enable"; echo 1 > "$i/events/syscalls/sys_exit_$s/enable"; done; fi
            echo 1 > "$i/tracing_on"
        done
        result[$events,$n]=$(median_ms)
    done
    for i in "${made[@]}"; do echo 0 > "$i/events/enable"; rmdir "$i"; done
    made=()
done

echo "untraced dd bs=1 count=300000 on the host (600,000 syscalls), ms, median of 3; $(uname -r), $(nproc) CPUs"
printf "%-44s" "traced containers (instances)"; for n in "${counts[@]}"; do printf "%8s" "$n"; done; echo
for events in all short; do
    label="all syscall events"; [ "$events" = short ] && label="openat,close only"
    printf "%-44s" "$label"; for n in "${counts[@]}"; do printf "%8s" "${result[$events,$n]}"; done; echo
done
last=${counts[-1]}
if [ "$last" -gt 0 ]; then
    for events in all short; do
        base=${result[$events,${counts[0]}]}; top=${result[$events,$last]}
        awk -v e="$events" -v b="$base" -v t="$top" -v n="$last" 'BEGIN {
            printf "cost per syscall of a process on the host, per traced container (%s): %.0f ns\n", (e == "all" ? "all syscall events" : "openat,close only"), (t - b) * 1e6 / 600000 / n }'
    done
fi
