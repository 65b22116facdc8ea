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
source "$repo/tests/benchmarks/host-state.sh"
trap 'rm -rf "$work"; restore_host' EXIT
hookdir=${OCI_FTRACE_HOOK_DIR:-$work/hook}
[ -x "$hookdir/oci-ftrace-hook" ] || dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$hookdir" --nologo -v quiet

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
