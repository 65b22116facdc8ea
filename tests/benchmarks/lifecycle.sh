#!/usr/bin/env bash
# Benchmarks what the hook adds to a container's life: `runc run` of a busybox container doing
# `true`, with the hook as prestart + poststop and without, alternating, N runs each; then the
# hook's own prestart and poststop times (through a timing wrapper). Traced runs are timed twice:
# "isolated", each started after the previous container's instance removal (detached, ~0.2 s of
# kernel time) has finished, and "back to back", where the next start waits on that removal in
# the kernel; back to back both with a fresh id per run and with one id reused by every run (each
# start gets an instance of its own, so it never waits for the previous start's). Prints medians
# and ratios (each run's to the run without the hook taken beside it) from this one run. Two more
# rows in the isolated loop show the floor under the hook's own work: /bin/true as both hooks
# (runc's cost of running two hooks), and the hook with tracing off (annotation
# org.ociftracehook.enabled=false: two starts of the hook that read their input and return). Every
# traced run is also held against a /bin/true-hooks run taken beside it (the target is against that
# floor), and, with perf installed, ten more isolated lifecycles are profiled: stage-cpu.py says
# which part of each stage's CPU is start and exit, the kernel's and the hook's own. Root, runc and
# busybox-static needed.
# Usage: [OCI_FTRACE_HOOK_DIR=DIR] lifecycle.sh [RUNS]
# On a machine busy with other work, run it as `nice -n -20 lifecycle.sh`, with the hook published
# beforehand: the containers with and without the hook then both run ahead of the rest. (Not
# real-time: runc cannot put a real-time process into the container's cgroup on cgroup v1.)
set -euo pipefail
runs=${1:-30}
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/oci-ftrace-bench.XXXXXX)
source "$repo/tests/benchmarks/host-state.sh"
cleanup() {
    restore_host
    rm -rf "$work"
}
trap cleanup EXIT

# OCI_FTRACE_HOOK_DIR: a hook published already (as tests/run.sh does), else one is published here.
if [ -n "${OCI_FTRACE_HOOK_DIR:-}" ]; then hook="$OCI_FTRACE_HOOK_DIR/oci-ftrace-hook"
else dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$work/hook" --nologo -v quiet; hook="$work/hook/oci-ftrace-hook"; fi
mkdir -p "$work/traces"
echo "save-dir = $work/traces" > "$work/hook.conf"

make_bundle() { # dir hooks-json
    mkdir -p "$1/rootfs/bin" "$1/rootfs/proc" "$1/rootfs/sys" "$1/rootfs/dev"
    cp /bin/busybox "$1/rootfs/bin/" && ln -s busybox "$1/rootfs/bin/true"
    (cd "$1" && runc spec)
    sed -i -e 's/"terminal": true/"terminal": false/' -e 's/"sh"$/"true"/' "$1/config.json"
    if [ -n "$2" ]; then
        sed -i "s|\"ociVersion\"|\"hooks\": $2, \"ociVersion\"|" "$1/config.json"
    fi
}
hooks_for() { # the hook's host settings: this run's own save directory
    local c="\"--config\", \"$work/hook.conf\""
    echo "{\"prestart\": [{\"path\": \"$1\", \"args\": [\"h\", \"prestart\", $c]}], \"poststop\": [{\"path\": \"$1\", \"args\": [\"h\", \"poststop\", $c]}]}"
}

cat > "$work/timed-hook" <<WRAP
#!/bin/sh
s=\$(date +%s%N); "$hook" "\$@"; rc=\$?; e=\$(date +%s%N)
echo "\$1 \$(( (e - s) / 1000 ))" >> "$work/hook-times"; exit \$rc
WRAP
chmod +x "$work/timed-hook"

make_bundle "$work/plain" ""
make_bundle "$work/traced" "$(hooks_for "$hook")"
make_bundle "$work/timed" "$(hooks_for "$work/timed-hook")"
make_bundle "$work/true-hooks" "$(hooks_for /bin/true)"
make_bundle "$work/hook-off" "$(hooks_for "$hook")"
sed -i 's|"ociVersion"|"annotations": {"org.ociftracehook.enabled": "false"}, "ociVersion"|' "$work/hook-off/config.json"

now_us() { echo $(( $(date +%s%N) / 1000 )); }
run_once() { # bundle [id] -> microseconds
    local s e; s=$(now_us); runc run --bundle "$1" "${2:-bench-$$-$RANDOM}" >/dev/null; e=$(now_us); echo $((e - s))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

tracefs=$(awk '$9 == "tracefs" {print $5; exit}' /proc/self/mountinfo)
settle() { # until no instance of the hook is left and the detached removal process has ended
    for _ in $(seq 200); do
        if ! ls "${tracefs:-/sys/kernel/tracing}/instances" 2>/dev/null | grep -q '^oci-ftrace-' \
            && ! pgrep -f 'oci-ftrace-hook gc' >/dev/null; then
            # The kernel frees a removed instance's memory a moment later (RCU callbacks, on
            # workers), and a VM's CPUs are slow to wake from idle: without this pause and one
            # unmeasured run both land on whichever run comes next.
            sleep 0.3
            run_once "$work/plain" >/dev/null
            return 0
        fi
        sleep 0.02
    done
}
for _ in $(seq 3); do run_once "$work/plain" >/dev/null; run_once "$work/traced" >/dev/null; done # warm up
tracefs=$(awk '$9 == "tracefs" {print $5; exit}' /proc/self/mountinfo)
: > "$work/plain.us"; : > "$work/traced.us"; : > "$work/true-hooks.us"; : > "$work/hook-off.us"
for _ in $(seq "$runs"); do
    settle
    run_once "$work/plain" >> "$work/plain.us"
    run_once "$work/true-hooks" >> "$work/true-hooks.us"
    run_once "$work/hook-off" >> "$work/hook-off.us"
    settle
    run_once "$work/traced" >> "$work/traced.us"
done
settle
# Each back-to-back start is followed by a run without the hook (well within the quiet second
# the removals wait for), so every ratio pairs runs taken at the same moment, and by a run with
# /bin/true as both hooks, the floor each traced run is held against.
back_to_back() { # NAME [ID]: into NAME.us, plain-NAME.us and true-NAME.us; ID: one id for every traced run
    : > "$work/$1.us"; : > "$work/plain-$1.us"; : > "$work/true-$1.us"
    for _ in $(seq "$runs"); do
        run_once "$work/traced" "${2:-}" >> "$work/$1.us"; run_once "$work/plain" >> "$work/plain-$1.us"
        run_once "$work/true-hooks" >> "$work/true-$1.us"
    done
    settle
}
back_to_back b2b
back_to_back reused "bench-$$-reused"
: > "$work/hook-times"
for _ in $(seq "$runs"); do settle; run_once "$work/timed" >/dev/null; done
settle

# Where the CPU of the traced lifecycles goes (with perf installed): the same isolated runs, and
# as many with a copy of /bin/true as both hooks, profiled system-wide, then sorted by stage and
# part (start and exit, kernel, the hook's code) by stage-cpu.py.
profile_runs=$(( runs < 10 ? runs : 10 ))
if command -v perf >/dev/null 2>&1; then
    cp /bin/true "$work/true-hook"
    make_bundle "$work/true-copy" "$(hooks_for "$work/true-hook")"
    perf record -q -a -g -e cpu-clock -F 10000 -o "$work/perf.data" >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5
    for _ in $(seq "$profile_runs"); do settle; run_once "$work/traced" >/dev/null; run_once "$work/true-copy" >/dev/null; done
    settle
    kill -INT "$perf_pid"; wait "$perf_pid" || true
fi

plain=$(median < "$work/plain.us"); traced=$(median < "$work/traced.us"); b2b=$(median < "$work/b2b.us")
reused=$(median < "$work/reused.us"); truehooks=$(median < "$work/true-hooks.us"); off=$(median < "$work/hook-off.us")
paired() { paste -d' ' "$1" "$2" | awk '{print $2 / $1}' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; } # plain.us other.us
pth=$(paired "$work/plain.us" "$work/true-hooks.us"); poff=$(paired "$work/plain.us" "$work/hook-off.us")
pt=$(paired "$work/plain.us" "$work/traced.us"); pb=$(paired "$work/plain-b2b.us" "$work/b2b.us"); pr=$(paired "$work/plain-reused.us" "$work/reused.us")
# Against the floor: each run against the /bin/true-hooks run taken beside it, the median of those.
foff=$(paired "$work/true-hooks.us" "$work/hook-off.us"); ft=$(paired "$work/true-hooks.us" "$work/traced.us")
fb=$(paired "$work/true-b2b.us" "$work/b2b.us"); fr=$(paired "$work/true-reused.us" "$work/reused.us")
pre=$(awk '$1=="prestart"{print $2}' "$work/hook-times" | median)
post=$(awk '$1=="poststop"{print $2}' "$work/hook-times" | median)
left=$(ls /sys/kernel/tracing/instances 2>/dev/null | grep -c '^oci-ftrace-' || true)
awk -v foff="$foff" -v ft="$ft" -v fb="$fb" -v fr="$fr" -v pth="$pth" -v poff="$poff" -v pt="$pt" -v pb="$pb" -v pr="$pr" -v th="$truehooks" -v off="$off" -v p="$plain" -v t="$traced" -v b="$b2b" -v r="$reused" -v pre="$pre" -v post="$post" -v n="$runs" 'BEGIN {
    printf "runs: %d each, medians; ratio: median over runs of each to the run without the hook beside it\n", n
    printf "runc run (true), no hook:            %8.1f ms\n", p / 1000
    printf "  /bin/true as both hooks:           %8.1f ms   ratio %.2f\n", th / 1000, pth
    printf "  the hook, tracing off:             %8.1f ms   ratio %.2f\n", off / 1000, poff
    printf "runc run (true), hook, isolated:     %8.1f ms   ratio %.2f\n", t / 1000, pt
    printf "runc run (true), hook, back to back: %8.1f ms   ratio %.2f\n", b / 1000, pb
    printf "  the same, one id reused each run:  %8.1f ms   ratio %.2f\n", r / 1000, pr
    printf "hook prestart:                       %8.1f ms   (%.0f%% of the plain lifecycle)\n", pre / 1000, 100 * pre / p
    printf "hook poststop:                       %8.1f ms   (%.0f%% of the plain lifecycle)\n", post / 1000, 100 * post / p
    printf "against the floor of any hook pair, /bin/true as both hooks (target 1.25), each run against the one beside it:\n"
    printf "  tracing off %.2f, isolated %.2f, back to back %.2f, one id reused %.2f\n", foff, ft, fb, fr
}'
echo "instances left: $left"
if [ -s "$work/perf.data" ]; then
    echo "CPU per traced lifecycle, $profile_runs isolated runs (perf, cpu-clock at 10 kHz):"
    perf script -i "$work/perf.data" -F comm,pid,tid,time,ip,sym 2>/dev/null > "$work/perf.txt"
    python3 "$repo/tests/benchmarks/stage-cpu.py" "$work/perf.txt" "$profile_runs" 10000 true-hook | sed 's/^/  /'
else
    echo "(perf not installed: no CPU profile of the stages; apt-get install linux-perf)"
fi
