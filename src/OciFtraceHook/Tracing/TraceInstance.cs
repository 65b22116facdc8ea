namespace OciFtraceHook.Tracing;

/// <summary>One ftrace instance (instances/NAME): its own ring buffer, event selection, PID
/// filter and on/off switch. Verbs read like the domain, after libtracefs.</summary>
internal sealed class TraceInstance(TraceFs traceFs, string name)
{
    public string Name { get; } = name;
    public string Dir { get; } = Path.Combine(traceFs.InstancesDir, name);
    public TraceFs TraceFs { get; } = traceFs;

    public bool Exists => Directory.Exists(Dir);

    public string FilePath(string relative) => Path.Combine(Dir, relative);

    /// <summary>mkdir instances/NAME. Fails if it exists: an instance is never shared.</summary>
    public void Create()
    {
        try
        {
            Directory.CreateDirectory(TraceFs.InstancesDir); // no-op on a real tracefs
            if (Directory.Exists(Dir)) throw new HookException($"ftrace instance {Name} already exists");
            Interop.Mkdir(Dir, 0x1C0 /* 0700 */);
        }
        catch (SyscallException e) when (e.Errno == Interop.EEXIST)
        {
            throw new HookException($"ftrace instance {Name} already exists", e);
        }
    }

    /// <summary>rmdir instances/NAME; the kernel frees its buffers and drops its triggers. EBUSY means
    /// one of its files is open that very moment (stop-after=full's watcher reads the stats files
    /// for a moment now and then): tried <paramref name="attempts"/> times before it is an error (once
    /// for an instance known to be held open for longer: see Disarm).</summary>
    public void Remove(int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Interop.RemoveDirectory(Dir);
                return;
            }
            catch (SyscallException e) when (e.Errno == Interop.EBUSY && attempt < attempts)
            {
                Thread.Sleep(50 * attempt);
            }
        }
    }

    public void Write(string relative, string value)
    {
        var path = FilePath(relative);
        try
        {
            // tracefs control files take one write(2) per value; no truncation, no seeking.
            using var handle = Interop.Open(path, Interop.OpenFlags.O_WRONLY | Interop.OpenFlags.O_CLOEXEC, "open");
            Interop.WriteOnce(handle, System.Text.Encoding.ASCII.GetBytes(value + "\n"), path);
        }
        catch (SyscallException e)
        {
            throw new HookException($"cannot write '{value}' to {path}: {e.Message}", e);
        }
    }

    /// <summary>Empties a list file (set_event_pid): opened with O_TRUNC, as `echo > FILE` does.</summary>
    public void Clear(string relative)
    {
        var path = FilePath(relative);
        try
        {
            using var _ = Interop.Open(path, Interop.OpenFlags.O_WRONLY | Interop.OpenFlags.O_TRUNC | Interop.OpenFlags.O_CLOEXEC, "open");
        }
        catch (SyscallException e)
        {
            throw new HookException($"cannot empty {path}: {e.Message}", e);
        }
    }

    /// <summary>The smallest ring buffer the kernel keeps (buffer_size_kb takes 1 and rounds up to
    /// a page or two per CPU).</summary>
    public const string SmallestBuffer = "1";

    /// <summary>An instance that cannot be removed (a descriptor of it held open somewhere) is made
    /// to cost nothing until it can: tracing off, every event off (the path probes too), the exec
    /// trigger dropped, the pid filter emptied and the ring buffer shrunk to the smallest, all of
    /// which the kernel allows while a file of it is open. Each step is tried; the first failure is
    /// thrown after the rest were tried.</summary>
    public void Disarm()
    {
        var failures = new List<Exception>();
        void Try(Action step)
        {
            try
            {
                step();
            }
            catch (Exception e) when (e is HookException or IOException or UnauthorizedAccessException)
            {
                failures.Add(e);
            }
        }
        Try(() => SetTracingOn(false));
        // The exec trigger, fired or not: while it is there its event stays soft-enabled.
        Try(() => { if (HasFile(ExecTrigger) && File.ReadLines(FilePath(ExecTrigger)).Any(l => l.StartsWith("traceon", StringComparison.Ordinal))) Write(ExecTrigger, "!traceon"); });
        Try(() => { if (HasFile("events/enable")) Write("events/enable", "0"); });
        Try(() => { if (HasFile("set_event_pid")) Clear("set_event_pid"); });
        Try(() => Write("buffer_size_kb", SmallestBuffer));
        if (failures.Count > 0) throw failures[0];
    }

    public string Read(string relative) => File.ReadAllText(FilePath(relative));

    public bool HasFile(string relative) => File.Exists(FilePath(relative));

    /// <summary>Events the ring buffer lost because it was full: overwritten ("overrun", overwrite
    /// on) or refused ("dropped events", overwrite off), summed over the CPUs.</summary>
    public long LostEvents()
    {
        long lost = 0;
        var perCpu = FilePath("per_cpu");
        if (!Directory.Exists(perCpu)) return 0;
        foreach (var cpu in Directory.EnumerateDirectories(perCpu, "cpu*"))
        {
            var stats = Path.Combine(cpu, "stats");
            if (!File.Exists(stats)) continue;
            foreach (var line in File.ReadLines(stats))
            {
                var colon = line.IndexOf(':');
                if (colon < 0) continue;
                var key = line[..colon];
                if (key is "overrun" or "dropped events" && long.TryParse(line[(colon + 1)..].Trim(), out var n)) lost += n;
            }
        }
        return lost;
    }

    public void SetTracingOn(bool on) => Write("tracing_on", on ? "1" : "0");

    /// <summary>Stops recording for good: tracing off, and its syscall events disabled, which costs
    /// well under a millisecond. An instance with events enabled taxes every system call on the host
    /// (the syscall tracepoint visits it) until it is removed, and removal waits for quiet moments.
    /// The exec trigger fires once only (see InstanceSetup), so a later exec cannot turn tracing on
    /// again; one that has not fired yet is <see cref="DisarmExecTrigger"/>'s. The path probes stay
    /// enabled (with tracing off they record nothing): an instance enabling them counts as their
    /// user, and removing a probe definition makes the kernel reset every buffer that recorded its
    /// events, this one's unsaved trace included.</summary>
    public void Stop()
    {
        SetTracingOn(false);
        if (HasFile("events/syscalls/enable")) Write("events/syscalls/enable", "0");
        // Likewise every fork on the host while the instance waits for its removal.
        if (HasFile(InstanceSetup.NewTaskEnable)) Write(InstanceSetup.NewTaskEnable, "0");
    }

    /// <summary>Drops the exec trigger if it has not fired yet (the container was created but its
    /// program not started, as with `runc create` and a later `runc start`): left armed, that exec
    /// would turn tracing on after a stop. Dropping a trigger waits for RCU grace periods in the
    /// kernel (~140 ms measured here, holding ftrace's event lock), so it is done only when armed,
    /// and only off the container's path (the stop-after watcher).</summary>
    public void DisarmExecTrigger()
    {
        if (!HasFile(ExecTrigger)) return;
        var armed = File.ReadLines(FilePath(ExecTrigger))
            .Any(line => line.StartsWith("traceon", StringComparison.Ordinal) && !line.StartsWith("traceon:count=0", StringComparison.Ordinal));
        // "!traceon" removes the instance's traceon trigger whatever its count and filter.
        if (armed) Write(ExecTrigger, "!traceon");
    }

    /// <summary>Where prestart sets `traceon:1 if pid == INIT`, so recording starts at the
    /// container program's exec.</summary>
    public const string ExecTrigger = "events/sched/sched_process_exec/trigger";

    /// <summary>Whether the ring buffer has filled on some CPU: with overwrite off it then drops
    /// events, with overwrite on it overwrites them; both are counted in per_cpu/cpuN/stats.
    /// Only reads those files, each opened and closed at once (an instance file held open would make
    /// its removal fail with EBUSY).</summary>
    public bool HasFilled() => LostEvents() > 0;

    public void SetOption(string option, bool on) => Write($"options/{option}", on ? "1" : "0");

}
