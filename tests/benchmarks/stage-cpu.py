#!/usr/bin/env python3
"""Where the hook's stages spend their CPU: reads `perf script -F comm,pid,tid,time,ip,sym` of a
system-wide `perf record -g -e cpu-clock` taken over RUNS container lifecycles, finds the hook's
processes by the stage in their stacks (prestart, poststop, the detached gc), and sorts each
sample into one of three parts, by the frames of its call stack:
  - start and exit: exec, the dynamic loader's relocations, the .NET runtime's start, threads
    ending; what any native AOT program pays, whatever it does;
  - kernel: the tracefs work the stage asks for (the instance's mkdir, its options, set_event_pid,
    enabling or disabling events, the exec trigger, reading the ring buffer and the name tables,
    rmdir), and the mounts into the container;
  - hook: the rest, the hook's own code with its syscalls and page faults.
Prints milliseconds of CPU per lifecycle for each row (samples / frequency / RUNS), and, for
reference, what the processes named REFERENCE_COMM took (a copy of /bin/true run as both hooks in
the same lifecycles, under a name of its own).
Usage: stage-cpu.py PERF_SCRIPT_OUTPUT RUNS FREQUENCY_HZ [REFERENCE_COMM]"""
import collections
import re
import sys

STAGES = (("prestart", "Prestart__Run"), ("poststop", "Poststop__Run"), ("detached gc", "GcCommand__Run"))

# First match wins, leaf to root: (part, row, any of these frame names).
RULES = [
    ("start and exit", "exec", ("bprm_execve", "do_execveat_common")),
    ("start and exit", "dynamic loader (relocations)", ("_dl_relocate_object", "_dl_start", "dl_main", "_dl_map_object")),
    ("start and exit", "exit (process and threads)", ("do_exit", "do_group_exit", "exit_mmap")),
    ("start and exit", ".NET runtime start", ("RhInitialize", "InitializeRuntime", "ProcessorIdCache")),
    ("kernel", "instance mkdir", ("instance_mkdir",)),
    ("kernel", "instance rmdir", ("instance_rmdir",)),
    ("kernel", "options", ("trace_options_core_write", "trace_options_write")),
    ("kernel", "set_event_pid", ("event_pid_write",)),
    ("kernel", "enabling or disabling events", ("system_enable_write", "event_enable_write", "ftrace_event_write")),
    ("kernel", "exec trigger", ("event_trigger_write",)),
    ("kernel", "reading the ring buffer", ("tracing_buffers_read", "tracing_buffers_splice_read", "ring_buffer_read_page")),
    ("kernel", "reading name tables (saved_tgids, saved_cmdlines)", ("saved_tgids_", "saved_cmdlines_")),
    ("kernel", "mounts into the container", ("do_mount", "path_mount", "move_mount", "open_tree", "__x64_sys_setns", "ksys_unshare", "do_umount")),
]


def read_samples(path):
    head = re.compile(r"^(.*?)\s+(-?\d+)/(-?\d+)\s+[\d.]+:")
    sample = None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                if sample:
                    yield sample
                sample = None
                continue
            m = head.match(line)
            if m and not line[0].isspace():
                if sample:
                    yield sample
                sample = (m[1].strip(), int(m[2]), int(m[3]), [])
                continue
            if sample is not None:
                parts = line.split(None, 1)
                sample[3].append(parts[1] if len(parts) > 1 else parts[0])
    if sample:
        yield sample


def classify(stack):
    for part, row, names in RULES:
        if any(n in frame for frame in stack for n in names):
            return part, row
    if not any("StartupCodeMain" in frame for frame in stack):
        return "start and exit", ".NET runtime start"  # before Main: runtime threads, start-up page faults
    return "hook", "the hook's code, its syscalls and page faults"


def main():
    path, runs, hz = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    reference = sys.argv[4] if len(sys.argv) > 4 else None
    samples = list(read_samples(path))
    stage_of = {}
    for _, pid, _, stack in samples:
        joined = " ".join(stack)
        for stage, marker in STAGES:
            if marker in joined:
                stage_of[pid] = stage
    counts = {stage: collections.Counter() for stage, _ in STAGES}
    for _, pid, _, stack in samples:
        if pid in stage_of:
            counts[stage_of[pid]][classify(stack)] += 1
    ms = lambda n: n / hz * 1000 / runs
    totals = collections.Counter()
    for stage, _ in STAGES:
        c = counts[stage]
        print(f"{stage}: {ms(sum(c.values())):.2f} ms CPU per lifecycle")
        for (part, row), n in sorted(c.items(), key=lambda kv: (kv[0][0], -kv[1])):
            if ms(n) >= 0.05:
                print(f"    {ms(n):6.2f}  {part}: {row}")
            totals[(stage, part)] += n
    print("on the container's path (prestart + poststop), per lifecycle:")
    for part in ("start and exit", "kernel", "hook"):
        n = totals[("prestart", part)] + totals[("poststop", part)]
        print(f"    {ms(n):6.2f} ms  {part}")
    if reference:
        n = sum(1 for comm, _, _, _ in samples if comm == reference)
        print(f"    {ms(n):6.2f} ms  for reference: /bin/true as both hooks, start to exit")


if __name__ == "__main__":
    main()
