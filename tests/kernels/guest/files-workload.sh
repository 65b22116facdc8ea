# The file syscalls the path scenarios run in a container (copied into its bundle as
# /workload.sh); the part from the marker line on greps the trace the container reads.
cat /nonexistent-file 2>/dev/null
cat /etc/probe.txt >/dev/null
mkdir /tmp/d; mv /tmp/d '/tmp/e "quoted"'; rmdir '/tmp/e "quoted"'
ls /etc >/dev/null
stat /etc/probe.txt >/dev/null
echo '--- own trace ---'
grep -e nonexistent-file /sys/kernel/tracing/trace
