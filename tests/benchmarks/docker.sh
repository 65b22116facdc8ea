#!/usr/bin/env bash
# What the runtime shim costs under Docker, from one run (as root, with docker.io installed):
#   tests/benchmarks/docker.sh [RUNS]
# Starts a private dockerd (own socket and directories under /tmp, the shim registered as runtime
# "oci-ftrace"), imports a busybox image, and times `docker run --rm` of `true` without and with
# --runtime oci-ftrace (the shim and the hook it adds), interleaved, as medians and their ratio.
# Then the shim's own added time: the shim in front of /bin/true (a stand-in runtime that does
# nothing) versus /bin/true alone, for `create` of a copy of a real Docker config.json (read, parse,
# rewrite, exec) and for `state` (a command that passes straight through). Leaves nothing behind.
set -euo pipefail
runs=${1:-20}
repo=$(cd "$(dirname "$0")/../.." && pwd)
docker_client=/usr/bin/docker   # docker.io's client; another one may come first on PATH
for tool in /usr/sbin/dockerd "$docker_client" /bin/busybox; do
    [ -x "$tool" ] || { echo "docker.sh: $tool is missing (apt-get install docker.io busybox-static)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "docker.sh: run as root" >&2; exit 1; }

dir=$(mktemp -d /tmp/oft-bench-docker.XXXXXX)
run_containerd_existed=; [ -e /run/containerd ] && run_containerd_existed=1
source "$repo/tests/benchmarks/host-state.sh"
docker() { "$docker_client" -H "unix://$dir/docker.sock" "$@"; }
cleanup() {
    if [ -f "$dir/docker.pid" ]; then
        ids=$(docker ps -aq 2>/dev/null || true)
        [ -z "$ids" ] || docker rm -f $ids >/dev/null 2>&1 || true
        pid=$(cat "$dir/docker.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    restore_host # after the hook's detached removals (one waits for a second without starts)
    { grep -o " $dir/[^ ]*" /proc/self/mountinfo || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
    rm -rf "$dir"
    [ -n "$run_containerd_existed" ] || rm -rf /run/containerd
}
trap cleanup EXIT

hook_dir=${OCI_FTRACE_HOOK_DIR:-}
if [ -z "$hook_dir" ]; then
    hook_dir="$dir/hook"
    dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$hook_dir" --nologo -v quiet >/dev/null
fi
shim="$dir/oci-ftrace-runc"
ln -s "$hook_dir/oci-ftrace-hook" "$shim"

mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" "$dir/rootfs/etc" "$dir/saved"
cp /bin/busybox "$dir/rootfs/bin/"
for applet in sh true sleep; do ln -s busybox "$dir/rootfs/bin/$applet"; done
printf 'save-dir = %s\n' "$dir/saved" > "$dir/hook.conf"
# The package's daemon.json snippet, with the shim's path here; the trust key stays out of /etc/docker.
sed "s|/usr/libexec/oci-ftrace-hook/oci-ftrace-runc|$shim|" "$repo/hooks/engines/docker-daemon.json" \
    | sed "0,/{/s||{ \"deprecated-key-path\": \"$dir/key.json\",|" > "$dir/daemon.json"

OCI_FTRACE_HOOK_CONF="$dir/hook.conf" setsid /usr/sbin/dockerd --iptables=false --ip6tables=false --bridge=none \
    --data-root "$dir/d" --exec-root "$dir/e" -H "unix://$dir/docker.sock" --pidfile "$dir/docker.pid" \
    --config-file "$dir/daemon.json" >"$dir/dockerd.log" 2>&1 </dev/null &
for _ in $(seq 300); do docker version >/dev/null 2>&1 && break; sleep 0.2; done
docker version >/dev/null 2>&1 || { echo "docker.sh: dockerd did not start:" >&2; tail -5 "$dir/dockerd.log" >&2; exit 1; }
tar -C "$dir/rootfs" -c . | docker import - oft-bench >/dev/null

now() { date +%s%N; }
calc() { awk "BEGIN { printf \"%.2f\", $1 }"; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m / 1e6 }'; }

for _ in 1 2; do   # warm up: image layers, page cache, first instance
    docker run --rm --network none oft-bench true
    docker run --rm --network none --runtime oci-ftrace oft-bench true
done
: > "$dir/plain"; : > "$dir/shim"
for _ in $(seq "$runs"); do
    t0=$(now); docker run --rm --network none oft-bench true; t1=$(now)
    docker run --rm --network none --runtime oci-ftrace oft-bench true; t2=$(now)
    echo $((t1 - t0)) >> "$dir/plain"; echo $((t2 - t1)) >> "$dir/shim"
done
plain=$(median < "$dir/plain"); shimmed=$(median < "$dir/shim")

# The shim alone, in front of a runtime that does nothing, on a real Docker config.json.
id=$(docker run -d --network none oft-bench sleep 60)
mkdir -p "$dir/bundle"
cp "$dir/e/containerd/daemon/io.containerd.runtime.v2.task/moby/$id/config.json" "$dir/config.json"
docker rm -f "$id" >/dev/null
printf 'runtime = /bin/true\n' > "$dir/true.conf"
: > "$dir/true-create"; : > "$dir/shim-create"; : > "$dir/true-state"; : > "$dir/shim-state"
for _ in $(seq $((runs * 5))); do
    cp "$dir/config.json" "$dir/bundle/config.json"
    t0=$(now); /bin/true --root "$dir/r" create --bundle "$dir/bundle" --pid-file "$dir/p" bench; t1=$(now)
    OCI_FTRACE_HOOK_CONF="$dir/true.conf" "$shim" --root "$dir/r" create --bundle "$dir/bundle" --pid-file "$dir/p" bench; t2=$(now)
    /bin/true --root "$dir/r" state bench; t3=$(now)
    OCI_FTRACE_HOOK_CONF="$dir/true.conf" "$shim" --root "$dir/r" state bench; t4=$(now)
    echo $((t1 - t0)) >> "$dir/true-create"; echo $((t2 - t1)) >> "$dir/shim-create"
    echo $((t3 - t2)) >> "$dir/true-state"; echo $((t4 - t3)) >> "$dir/shim-state"
done
grep -q '"oci-ftrace-hook","prestart"' "$dir/bundle/config.json" || { echo "docker.sh: the shim did not add the hook" >&2; exit 1; }

echo "docker run --rm of true, median of $runs runs each, $(/usr/sbin/dockerd --version)"
printf '  %-58s %8s ms  1.00\n' "without the shim (runc)" "$plain"
printf '  %-58s %8s ms  %s\n' "with --runtime oci-ftrace (shim, hook, tracing, saving)" "$shimmed" "$(calc "$shimmed / $plain")"
echo "the shim's own time, median of $((runs * 5)): shim in front of /bin/true minus /bin/true alone"
printf '  %-58s %8s ms\n' "create (read, parse, rewrite $(stat -c %s "$dir/config.json")-byte config.json, exec)" \
    "$(calc "$(median < "$dir/shim-create") - $(median < "$dir/true-create")")"
printf '  %-58s %8s ms\n' "state (straight through)" \
    "$(calc "$(median < "$dir/shim-state") - $(median < "$dir/true-state")")"
