#!/usr/bin/env bash
# Builds the hook, runs a busybox container traced by it with runc, and prints what the container
# saw of its own trace. Run as root on Debian: installs runc and busybox-static when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=${WORK_DIR:-/tmp/oci-ftrace-example}

if [ "$(id -u)" -ne 0 ]; then echo "run me as root (the hook creates ftrace instances and mounts)" >&2; exit 1; fi
# The host as it was: tracefs unmounted and no /run/oci-ftrace-hook again at the end, if so before
# (once the hook's detached removal of the instance has ended).
source "$repo/tests/benchmarks/host-state.sh"
trap restore_host EXIT
missing=()
command -v runc >/dev/null 2>&1 || missing+=(runc)
dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
if [ "${#missing[@]}" -gt 0 ]; then apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; fi

echo "building the hook (native AOT) into $work/hook ..."
dotnet publish "$repo/src/OciFtraceHook" -c Release -o "$work/hook" --nologo -v quiet

bundle="$work/bundle"
rm -rf "$bundle" && mkdir -p "$bundle/rootfs/bin" "$bundle/rootfs/etc" "$bundle/rootfs/proc" "$bundle/rootfs/sys" \
    "$bundle/rootfs/dev" "$bundle/rootfs/tmp"
cp /bin/busybox "$bundle/rootfs/bin/busybox"
for applet in sh cat echo grep head ls; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
mkdir -p "$work/traces"
# The example's own host settings: its traces go to $work/traces, not the host's directory.
echo "save-dir = $work/traces" > "$work/hook.conf"
sed -e "s|@HOOK@|$work/hook/oci-ftrace-hook|g" -e "s|@CONFIG@|$work/hook.conf|g" \
    "$here/config.template.json" > "$bundle/config.json"

id="example-$$"
echo "running container $id with the hook as prestart and poststop ..."
runc run --bundle "$bundle" "$id"
hook="$work/hook/oci-ftrace-hook"
# poststop stopped the recording and a detached gc saves the trace a moment later: show, given the
# container's id, waits for that save.
echo "--- its file calls that failed, from the trace saved on the host (oci-ftrace-hook show $id -e trace=%file -Z):"
"$hook" show "$id" --save-dir "$work/traces" -e trace=%file -Z
echo "--- saved as: $(ls -1t "$work/traces"/*.dat "$work/traces"/*.txt 2>/dev/null | head -n 1)"
echo "--- where its time went (oci-ftrace-hook show $id --summary):"
"$hook" show "$id" --save-dir "$work/traces" --summary | head -n 8
