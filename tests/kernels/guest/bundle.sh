# Sourced by guest scenarios: makes an OCI bundle of a static busybox whose program is
# `sh /workload.sh`, with the published hook ($HOOK) as prestart and poststop; its traces are saved
# in the hook's default directory (hook.conf decides which others a container may name), and
# run_bundle copies a container's own from there. No JSON tool exists in the guest: config.json from `runc spec` is edited by sed.
#   make_bundle DIR WORKLOAD_FILE [EXTRA_ANNOTATIONS_JSON]   e.g. '"org.ociftracehook.paths": "off"'
make_bundle() {
    local dir=$1 workload=$2 extra=${3:-}
    rm -rf "$dir"
    mkdir -p "$dir/rootfs/bin" "$dir/rootfs/proc" "$dir/rootfs/sys" "$dir/rootfs/dev" "$dir/rootfs/tmp" "$dir/rootfs/etc" "$dir/saved"
    cp /bin/busybox "$dir/rootfs/bin/"
    for applet in sh cat ls mkdir rmdir dd echo timeout head true touch rm stat seq grep wc ln readlink mv chmod find; do ln -s busybox "$dir/rootfs/bin/$applet"; done
    echo probe > "$dir/rootfs/etc/probe.txt"
    cp "$workload" "$dir/rootfs/workload.sh"
    (cd "$dir" && runc spec)
    [ -z "$extra" ] || extra=", $extra"
    sed -i \
        -e 's/"terminal": true/"terminal": false/' \
        -e 's/"readonly": true/"readonly": false/' \
        -e 's|^\(\s*\)"sh"$|\1"sh", "/workload.sh"|' \
        -e "s|^\(\s*\)\"ociVersion\": \"\([^\"]*\)\",|\1\"ociVersion\": \"\2\", \"hooks\": {\"prestart\": [{\"path\": \"$HOOK\", \"args\": [\"oci-ftrace-hook\", \"prestart\"]}], \"poststop\": [{\"path\": \"$HOOK\", \"args\": [\"oci-ftrace-hook\", \"poststop\"]}]}, \"annotations\": {\"org.ociftracehook.enabled\": \"true\"$extra},|" \
        "$dir/config.json"
    grep -q '"/workload.sh"' "$dir/config.json" && grep -q '"poststop"' "$dir/config.json"
}

# run_bundle DIR ID OUTDIR: runs the container; its stdout, stderr, exit code and saved traces
# land in OUTDIR.
run_bundle() {
    local dir=$1 id=$2 out=$3 status=0
    mkdir -p "$out"
    runc run --bundle "$dir" "$id" > "$out/stdout" 2> "$out/stderr" < /dev/null || status=$?
    echo "$status" > "$out/exit"
    wait_saved "$id"
    cp /var/lib/oci-ftrace-hook/traces/oci-ftrace-"$id"-*.[dt][ax]t "$out/" 2>/dev/null || true
}

# wait_saved ID: poststop hands the save to a detached gc, so the trace is on disk a moment after
# runc returns; waits (up to a minute) while a record of ID has no save yet. Not only a stopped
# one: another container's gc may collect this one between its end and its poststop, and then
# poststop stops nothing.
wait_saved() {
    local i f pending
    for i in $(seq 1 300); do
        pending=
        for f in /run/oci-ftrace-hook/instances/oci-ftrace-"$1"-*.json; do
            [ -f "$f" ] && ! grep -q '"savedTo"' "$f" && pending=yes
        done
        [ -z "$pending" ] && return 0
        sleep 0.2
    done
    wait_expired "wait_saved $1: its save still under way after a minute: $(cat /run/oci-ftrace-hook/instances/oci-ftrace-"$1"-*.json 2>&1)"
}

# wait_for_gc: poststop hands the instance's removal to a detached gc; waits (up to a minute) until
# no instance of the hook is left.
wait_for_gc() {
    local i
    for i in $(seq 1 300); do
        # The detached gc removes the instance, then (under its lock) unused path probes.
        [ -z "$(ls /sys/kernel/tracing/instances | grep '^oci-ftrace-')" ] && ! ps | grep -q '[o]ci-ftrace-hook gc' && return 0
        sleep 0.2
    done
    wait_expired "wait_for_gc: after a minute, instances $(ls /sys/kernel/tracing/instances | tr '\n' ' ')and $(ps | grep -c '[o]ci-ftrace-hook gc') gc still there"
}

# wait_expired WHAT: a wait that ran out says so on stderr and in $RESULTS/wait-timeouts, which the
# tests fail on (a scenario goes on after it, and its later checks would fail for another reason).
wait_expired() {
    echo "$1" | tee -a "${RESULTS:-/results}/wait-timeouts" >&2
    return 1
}
