# Sourced by the scripts that run containers with the hook (benchmarks, sample recording, the
# example): they leave the host as they found it. The hook mounts tracefs where it is not mounted
# and keeps its state under /run; restore_host undoes both when they were not there before, once
# the hook's detached removals have ended (unmounting earlier would make a removal mount tracefs
# again).
host_tracefs_before=$(grep -c ' - tracefs ' /proc/self/mountinfo || true)
host_run_state_before=$([ -e /run/oci-ftrace-hook ] && echo yes || echo no)
restore_host() {
    for _ in $(seq 300); do
        if ! ls -d /sys/kernel/tracing/instances/oci-ftrace-* >/dev/null 2>&1 && ! pgrep -f 'oci-ftrace-hook gc' >/dev/null; then break; fi
        sleep 0.1
    done
    [ "$host_run_state_before" = yes ] || rm -rf /run/oci-ftrace-hook
    if [ "$host_tracefs_before" = 0 ] && grep -q ' - tracefs ' /proc/self/mountinfo; then umount /sys/kernel/tracing || true; fi
}
# wait_saves: poststop hands each save to a detached gc, so a trace is on disk a moment after runc
# returns; waits (up to a minute) while a record says a save is under way (stopped, not saved yet).
wait_saves() {
    local f pending
    for _ in $(seq 1200); do
        pending=
        for f in /run/oci-ftrace-hook/instances/*.json; do
            [ -f "$f" ] && grep -q '"stoppedAt"' "$f" && ! grep -q '"savedTo"' "$f" && pending=yes
        done
        [ -z "$pending" ] && return 0
        sleep 0.05
    done
}
