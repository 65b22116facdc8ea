namespace OciFtraceHook.Decoding;

internal enum TraceEventKind : byte
{
    SyscallEnter,
    SyscallExit,
    Marker,
    LostEvents,
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
    /// <summary>The thread group (process) id when the trace has a TGID column, else the tid.</summary>
    public int Tgid;
    public int Cpu;
    public long TimeNs;
    /// <summary>Syscall event name without "sys_" (openat, newuname), or the other event's name.</summary>
    public string Name = "";
    public readonly ulong[] Args = new ulong[MaxArgs];
    public int ArgCount;
    public long Return;
    /// <summary>Marker text, or the rest of an unknown event's line.</summary>
    public string Text = "";
    public long Lost;
}
