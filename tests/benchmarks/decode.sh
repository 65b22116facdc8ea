#!/usr/bin/env bash
# Benchmarks the decoder (`oci-ftrace-hook show`) on two traces of ~1.2 million events: one
# generated (two threads' read/write pairs, interleaved) and one real (a runc container traced by
# the hook, running `dd bs=1`). Each is timed against `cat` and `wc -l` of the same file, in one
# run; prints events per second and the ratios. The real trace needs root, runc and busybox-static;
# without them only the generated one runs. Usage: decode.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d /tmp/oci-ftrace-decode-bench.XXXXXX)
source "$repo/tests/benchmarks/host-state.sh"
cleanup() { restore_host; rm -rf "$work"; }
trap cleanup EXIT
dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$work/hook" --nologo -v quiet
hook="$work/hook/oci-ftrace-hook"

awk 'BEGIN {
    print "# tracer: nop"
    t = 1000.0
    for (i = 0; i < 300000; i++) {
        for (th = 0; th < 2; th++) {
            pid = 4000 + th
            printf "              dd-%d   (   4000) [00%d] ..... %11.6f: sys_read(fd: 0, buf: 0x4e42cc0, count: 1)\n", pid, th, t; t += 0.000001
            printf "              dd-%d   (   4000) [00%d] ..... %11.6f: sys_read -> 0x1\n", pid, th, t; t += 0.000001
            printf "              dd-%d   (   4000) [00%d] ..... %11.6f: sys_write(fd: 1, buf: 0x4e42cc0, count: 1)\n", pid, th, t; t += 0.000001
            printf "              dd-%d   (   4000) [00%d] ..... %11.6f: sys_write -> 0xfffffffffffffff2\n", pid, th, t; t += 0.000001
        }
    }
}' > "$work/generated.trace"

traces=(generated)
if [ "$(id -u)" -eq 0 ] && command -v runc >/dev/null && [ -x /bin/busybox ]; then
    b="$work/bundle"; mkdir -p "$b/rootfs/bin" "$b/rootfs/proc" "$b/rootfs/sys" "$b/rootfs/dev" "$b/saved"
    echo "save-dir = $b/saved" > "$b/hook.conf"
    cp /bin/busybox "$b/rootfs/bin/" && ln -s busybox "$b/rootfs/bin/dd"
    (cd "$b" && runc spec)
    sed -i -e 's/"terminal": true/"terminal": false/' \
        -e 's|"sh"$|"dd", "if=/dev/zero", "of=/dev/null", "bs=1", "count=300000"|' \
        -e "s|\"ociVersion\"|\"hooks\": {\"prestart\": [{\"path\": \"$hook\", \"args\": [\"h\", \"prestart\", \"--config\", \"$b/hook.conf\"]}], \"poststop\": [{\"path\": \"$hook\", \"args\": [\"h\", \"poststop\", \"--config\", \"$b/hook.conf\"]}]}, \"annotations\": {\"org.ociftracehook.buffer-size-kb\": \"65536\"}, \"ociVersion\"|" \
        "$b/config.json"
    runc run --bundle "$b" "decode-bench-$$" >/dev/null 2>&1
    wait_saves
    cp "$b"/saved/*.dat "$work/real.trace"
    # Let the hook's detached removal of the instance finish before anything is cleaned up.
    for _ in $(seq 300); do
        pgrep -f 'oci-ftrace-hook gc' >/dev/null || break
        sleep 0.1
    done
    traces+=(real)
fi

seconds() { local s e; s=$(date +%s%N); "$@" > /dev/null; e=$(date +%s%N); echo "$(( (e - s) / 1000000 ))"; }
for name in "${traces[@]}"; do
    f="$work/$name.trace"
    cat "$f" > /dev/null # into the page cache
    events=$(grep -c ': sys_\|tracing_mark_write' "$f")
    decode=$(seconds "$hook" show --file "$f")
    summary=$(seconds "$hook" show --file "$f" --summary)
    json=$(seconds "$hook" show --file "$f" --format json)
    chrome=$(seconds "$hook" show --file "$f" --format chrome)
    cat_ms=$(seconds cat "$f")
    wc_ms=$(seconds wc -l "$f") # (grep -c would stop at once: GNU grep writing to /dev/null)
    awk -v n="$name" -v e="$events" -v d="$decode" -v s="$summary" -v j="$json" -v ch="$chrome" -v c="$cat_ms" -v g="$wc_ms" 'BEGIN {
        printf "%s trace: %d events\n", n, e
        printf "  show:           %6d ms  %5.2f M events/s\n", d, e / (d ? d : 1) / 1000
        printf "  show --summary: %6d ms  %5.2f M events/s\n", s, e / (s ? s : 1) / 1000
        printf "  --format json:  %6d ms  %5.2f M events/s\n", j, e / (j ? j : 1) / 1000
        printf "  --format chrome:%6d ms  %5.2f M events/s\n", ch, e / (ch ? ch : 1) / 1000
        printf "  cat:            %6d ms  (show takes %.0fx)\n", c, d / (c ? c : 1)
        printf "  wc -l:          %6d ms  (show takes %.1fx)\n", g, d / (g ? g : 1)
    }'
done
