namespace OciFtraceHook.Decoding;

internal enum TraceEventKind : byte
{
    SyscallEnter,
    SyscallExit,
    Marker,
    LostEvents,
    /// <summary>A path probe's line: the strings of the arguments of the call just entered.</summary>
    PathProbe,
    /// <summary>A path as the kernel copied it (getname's struct filename), inside the call that
    /// asked for it: <see cref="TraceEvent.Strings"/>[0] is the path (null when the copy failed),
    /// <see cref="TraceEvent.Args"/>[0] the copy's address.</summary>
    KernelPath,
    /// <summary>task_newtask: the thread <see cref="TraceEvent.Tid"/> made a task;
    /// <see cref="TraceEvent.Args"/>[0] is the new task's id, [1] its clone flags.</summary>
    NewTask,
    Other,
}

/// <summary>One line of ftrace's text output, parsed. Reused by the parser from line to line:
/// whoever keeps one copies <see cref="Args"/>.</summary>
internal sealed class TraceEvent
{
    public const int MaxArgs = 6;

    public TraceEventKind Kind;
    public string Comm = "";
    public int Tid;
    /// <summary>The thread group (process) id: from the trace's TGID column or table where it has
    /// one, else from the task_newtask events before (see ThreadGroups), else the tid.</summary>
    public int Tgid;
    public int Cpu;
    public long TimeNs;
    /// <summary>Syscall event name without "sys_" (openat, newuname), or the other event's name.</summary>
    public string Name = "";
    public readonly ulong[] Args = new ulong[MaxArgs];
    public int ArgCount;
    /// <summary>The user string the kernel (6.19+) or a path probe showed for an argument, else null.</summary>
    public readonly string?[] Strings = new string?[MaxArgs];
    /// <summary>Bit i: the string of argument i was cut short by the kernel.</summary>
    public int CutStrings;
    public long Return;
    /// <summary>Marker text, or the rest of an unknown event's line.</summary>
    public string Text = "";
    public long Lost;
}
