# The file syscalls the path scenarios run in a container (copied into its bundle as
# /workload.sh); the part from the marker line on greps the trace the container reads.
cat /nonexistent-file 2>/dev/null
cat /etc/probe.txt >/dev/null
mkdir /tmp/d; mv /tmp/d '/tmp/e "quoted"'; rmdir '/tmp/e "quoted"'
ls /etc >/dev/null
stat /etc/probe.txt >/dev/null
cd /tmp && mkdir -p a/b/c && touch a/b/c/f && ln -s a/b/c/f l && readlink l >/dev/null && chmod 600 a/b/c/f && find /tmp/a >/dev/null && rm l && rm -r a; cd /
echo '--- own trace ---'
grep -e nonexistent-file /sys/kernel/tracing/trace
