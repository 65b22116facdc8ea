#!/usr/bin/env bash
# What the stop-after watcher costs while a container runs: a busybox container traced by the hook
# sleeps SECONDS with stop-after=full (the watcher reads each CPU's stats every 250 ms) and then
# with stop-after=24h (it only sleeps), and this prints each watcher's CPU time, its share of one
# CPU over the container's life, and its resident memory near the end. Needs root, runc and
# busybox-static; publishes the hook unless OCI_FTRACE_HOOK_DIR names a published one.
# Usage: stop-watcher.sh [SECONDS]   (default 20)
set -euo pipefail
seconds=${1:-20}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/oci-ftrace-stop-watcher.XXXXXX)
hookdir=${OCI_FTRACE_HOOK_DIR:-$work/hook}
[ -x "$hookdir/oci-ftrace-hook" ] || dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$hookdir" --nologo -v quiet
# The hook keeps its state under /run and mounts tracefs when it is not mounted: leave neither behind
# if there was none before (as lifecycle.sh does), once the detached removals are done.
run_state_before=$([ -e /run/oci-ftrace-hook ] && echo yes || echo no)
tracefs_before=$(grep -c ' - tracefs ' /proc/self/mountinfo || true)
cleanup() {
    for _ in $(seq 100); do
        ls /run/oci-ftrace-hook/instances/oci-ftrace-stop-watcher-$$-*.json >/dev/null 2>&1 || break
        sleep 0.1
    done
    rm -rf "$work"
    [ "$run_state_before" = yes ] || rm -rf /run/oci-ftrace-hook
    if [ "$tracefs_before" = 0 ] && grep -q ' - tracefs ' /proc/self/mountinfo; then umount /sys/kernel/tracing || true; fi
}
trap cleanup EXIT

bundle="$work/bundle"
mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc" "$bundle/rootfs/proc" "$bundle/rootfs/sys" "$bundle/rootfs/dev" \
    "$bundle/rootfs/tmp" "$work/traces"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
ln -s busybox "$bundle/rootfs/bin/sh"; ln -s busybox "$bundle/rootfs/bin/sleep"
echo "save-dir = $work/traces" > "$work/hook.conf"

tick=$(getconf CLK_TCK)
measure() { # $1: the stop-after value
    sed -e "s|@HOOK@|$hookdir/oci-ftrace-hook|g" -e "s|@CONFIG@|$work/hook.conf|g" "$repo/examples/busybox/config.template.json" |
        python3 -c 'import json,sys; c=json.load(sys.stdin); c["process"]["args"]=["sleep",sys.argv[1]]; c["annotations"]={"org.ociftracehook.stop-after":sys.argv[2]}; print(json.dumps(c))' \
        "$seconds" "$1" > "$bundle/config.json"
    local id="stop-watcher-$$-${1//[^a-z0-9]/}"
    runc run --bundle "$bundle" "$id" &
    local runner=$!
    local watcher=""
    for _ in $(seq 100); do
        watcher=$(ps -eo pid=,args= | awk -v id="$id" '$0 ~ "stop-recording --instance oci-ftrace-" id { print $1; exit }')
        [ -n "$watcher" ] && break
        sleep 0.1
    done
    [ -n "$watcher" ] || { echo "no watcher found for $id" >&2; wait "$runner"; return 1; }
    local start; start=$(date +%s%N)
    sleep $((seconds - 2))
    local rss cpu
    rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$watcher/status")
    cpu=$(awk '{ print $14 + $15 }' "/proc/$watcher/stat")
    local now; now=$(date +%s%N)
    wait "$runner"
    awk -v v="$1" -v c="$cpu" -v t="$tick" -v ns=$((now - start)) -v r="$rss" \
        'BEGIN { printf "| stop-after=%s | %.2f s | %.3f %% | %.1f MB |\n", v, c / t, 100 * (c / t) / (ns / 1e9), r / 1024 }'
}

echo "watcher over $((seconds - 2)) s of a sleeping container ($(nproc) CPUs):"
echo "| annotation | CPU time | share of one CPU | resident memory |"
echo "|---|---|---|---|"
measure full
measure 24h
