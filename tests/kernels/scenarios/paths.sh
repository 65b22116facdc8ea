#!/bin/sh
# File paths through the hook's path probes, in the guest. Each part leaves its results in
# $RESULTS/<part>/ (see guest/bundle.sh's run_bundle), plus dynamic_events after it.
. /repo/tests/kernels/guest/bundle.sh
t=/sys/kernel/tracing
# The definitions this script writes itself name registers and entry functions of the machine
# (arm64 has no mkdir or unlink syscall, only the *at ones).
case $(uname -m) in
    aarch64) arg1=%x1 killed='p:ociftracehook/mkdirat __arm64_sys_mkdirat a1=+0(+8(%x0)):ustring'
             killed_eprobe='e:ociftracehook/unlinkat syscalls/sys_enter_unlinkat a1=+0($pathname):ustring' ;;
    *) arg1=%si killed='p:ociftracehook/mkdir __x64_sys_mkdir a0=+0(+112(%di)):ustring'
       killed_eprobe='e:ociftracehook/unlink syscalls/sys_enter_unlink a0=+0($pathname):ustring' ;;
esac
events() { cat $t/dynamic_events > "$RESULTS/$1/dynamic-events-after"; }

cp /repo/tests/kernels/guest/files-workload.sh /tmp/files.sh

# The same file calls without reading the trace (reading it pauses recording: pause-on-trace).
sed '/own trace/,$d' /tmp/files.sh > /tmp/plain.sh

# A leftover of another tool's group: it must stay untouched.
echo 'e:othergroup/openat syscalls/sys_enter_openat f=+0($filename):ustring' >> $t/dynamic_events

# 1. A container with paths (auto), then gc.
make_bundle /tmp/files /tmp/files.sh
run_bundle /tmp/files paths-auto "$RESULTS/auto"
wait_for_gc
$HOOK gc > "$RESULTS/auto/gc.out" 2>&1
events auto

# 2. The same workload under strace -f, with the hook tracing it: the two views of one run.
make_bundle /tmp/strace /tmp/plain.sh

mkdir -p "$RESULTS/strace"
strace -f -qq -o "$RESULTS/strace/strace.txt" runc run --bundle /tmp/strace paths-strace > "$RESULTS/strace/stdout" 2> "$RESULTS/strace/stderr" < /dev/null
echo $? > "$RESULTS/strace/exit"
wait_saved paths-strace
cp /var/lib/oci-ftrace-hook/traces/oci-ftrace-paths-strace-*.dat "$RESULTS/strace/" 2>/dev/null
wait_for_gc
events strace

# 3. Two containers starting at once: both get paths, nothing is left.
make_bundle /tmp/twin1 /tmp/files.sh
make_bundle /tmp/twin2 /tmp/files.sh
run_bundle /tmp/twin1 twin-1 "$RESULTS/twin1" & a=$!
run_bundle /tmp/twin2 twin-2 "$RESULTS/twin2" & b=$!
wait $a $b
wait_for_gc
events twin2

# 4. paths=off: no probe is defined.
make_bundle /tmp/off /tmp/files.sh '"org.ociftracehook.paths": "off"'
run_bundle /tmp/off paths-off "$RESULTS/off"
wait_for_gc
events off

# 5. A conflicting definition in our group: paths=on is refused, auto starts without paths. (The
#    hook removes our group's definitions no instance uses, this one too: it is set up twice.)
conflict() { echo "p:ociftracehook/openat do_sys_openat2 a1=$arg1:u64" >> $t/dynamic_events; }
conflict
make_bundle /tmp/conflict-on /tmp/files.sh '"org.ociftracehook.paths": "on"'
run_bundle /tmp/conflict-on conflict-on "$RESULTS/conflict-on"
runc delete --force conflict-on 2>/dev/null
wait_for_gc
conflict
make_bundle /tmp/conflict /tmp/files.sh
run_bundle /tmp/conflict conflict-auto "$RESULTS/conflict-auto"
wait_for_gc
$HOOK gc > /dev/null 2>&1
events conflict-auto

# 6. A hook killed after defining the probes leaves them: gc removes them.
mkdir -p "$RESULTS/killed"
echo "$killed" >> $t/dynamic_events
echo "$killed_eprobe" >> $t/dynamic_events
cat $t/dynamic_events > "$RESULTS/killed/dynamic-events-before"
$HOOK gc > "$RESULTS/killed/gc.out" 2>&1
events killed

# 7. A read-only dynamic_events (a read-only bind mount over it, before the containers start):
#    auto starts traced without paths and says why in one line, on is refused.
mount -o bind $t/dynamic_events $t/dynamic_events
mount -o remount,bind,ro $t/dynamic_events
make_bundle /tmp/ro-auto /tmp/files.sh
run_bundle /tmp/ro-auto readonly-auto "$RESULTS/readonly-auto"
wait_for_gc
make_bundle /tmp/ro-on /tmp/files.sh '"org.ociftracehook.paths": "on"'
run_bundle /tmp/ro-on readonly-on "$RESULTS/readonly-on"
runc delete --force readonly-on 2>/dev/null
wait_for_gc
umount $t/dynamic_events
events readonly-on

# 8. Paths a container chooses to be odd: a newline, bytes that are no UTF-8, quotes and a
#    backslash, and one of 3,764 bytes (20 components of 180).
cat > /tmp/odd.sh <<'SH'
cat "$(printf '/tmp/new\nline')" 2>/dev/null
cat "$(printf '/tmp/bad\377\001utf8')" 2>/dev/null
cat '/tmp/quote"and\back' 2>/dev/null
long=/tmp; i=0; while [ $i -lt 20 ]; do long=$long/$(printf 'a%.0s' $(seq 180)); i=$((i+1)); done
cat "$long" 2>/dev/null
true
SH
make_bundle /tmp/odd /tmp/odd.sh
run_bundle /tmp/odd paths-odd "$RESULTS/odd"
wait_for_gc

echo '-:othergroup/openat' >> $t/dynamic_events
true
