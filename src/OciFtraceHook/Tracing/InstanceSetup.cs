using System.Globalization;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Tracing;

/// <summary>Turns settings into the writes that configure a fresh instance for one container init.
/// Order matters: recording is off first, and set_event_pid is written exactly once (rewriting it
/// later costs tens of milliseconds).</summary>
internal static class InstanceSetup
{
    public const string ExecTrigger = TraceInstance.ExecTrigger;
    /// <summary>Per instance (6.19+): how many bytes of user memory a syscall event copies per
    /// argument, 0 to 165; 0 copies none (path strings included).</summary>
    public const string UserBufferSizeFile = "syscall_user_buf_size";
    /// <summary>Each task a traced thread makes, with its clone flags: how `show` tells a thread
    /// from a process (Decoding.ThreadGroups).</summary>
    public const string NewTaskEnable = "events/task/task_newtask/enable";

    public static void Apply(TraceInstance instance, HookSettings settings, int initPid)
    {
        var pid = initPid.ToString(CultureInfo.InvariantCulture);
        instance.SetTracingOn(false);
        if (settings.BufferSizeKb is { } kb) instance.Write("buffer_size_kb", kb.ToString(CultureInfo.InvariantCulture));
        instance.SetOption("overwrite", settings.Overwrite);
        // Children of the init (the shell's commands, the app's workers) are traced too.
        instance.SetOption("event-fork", true);
        // Which process each thread belongs to, for `show`: the tasks the container makes, with
        // their clone flags. Not options/record-tgid, which costs every start a walk over every
        // event file of every instance on the host (growing with the instances there) and every
        // save a read of the host's whole tgid table; only where a kernel lacks the event.
        if (instance.HasFile(NewTaskEnable)) instance.Write(NewTaskEnable, "1");
        else if (instance.HasFile("options/record-tgid")) instance.SetOption("record-tgid", true);
        // Without it a container that reads its own `trace` records its reads faster than it
        // reads them and never reaches the end.
        if (instance.HasFile("options/pause-on-trace")) instance.SetOption("pause-on-trace", true);
        instance.Write("set_event_pid", pid);
        // From 6.19 the syscall events copy user memory (buffers' bytes, and path strings) up to
        // this many bytes per argument; a new instance starts with the top level's size.
        if (settings.WriteBufferBytes is { } bytes && instance.HasFile(UserBufferSizeFile))
            instance.Write(UserBufferSizeFile, bytes.ToString(CultureInfo.InvariantCulture));
        EnableSyscallEvents(instance, settings.Syscalls);
        if (settings.IncludeRuntimeSetup)
        {
            instance.SetTracingOn(true);
        }
        else
        {
            // Recording starts when the init execs the container's program, so the runtime's own
            // setup between this hook and that exec (pivot_root, mounts, ...) stays out. Once only
            // (":1"): a later exec of the init (a shell's `exec`) never turns tracing on again after
            // stop-after turned it off; the count is spent only when it turns tracing on.
            instance.Write(ExecTrigger, $"traceon:1 if pid == {pid}");
        }
    }

    private static void EnableSyscallEvents(TraceInstance instance, IReadOnlyList<string>? syscalls)
    {
        if (syscalls is null)
        {
            instance.Write("events/syscalls/enable", "1");
            return;
        }
        var missing = syscalls.Where(s => !instance.HasFile($"events/syscalls/sys_enter_{s}/enable")).ToArray();
        if (missing.Length > 0)
            throw new HookException($"annotation {HookSettings.SyscallsKey}: no syscall event for {string.Join(", ", missing)} " +
                                    "in this kernel (see events/syscalls in tracefs for the names it has)");
        foreach (var name in syscalls)
        {
            instance.Write($"events/syscalls/sys_enter_{name}/enable", "1");
            if (instance.HasFile($"events/syscalls/sys_exit_{name}/enable"))
                instance.Write($"events/syscalls/sys_exit_{name}/enable", "1");
        }
    }
}
