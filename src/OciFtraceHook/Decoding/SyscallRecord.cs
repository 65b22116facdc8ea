namespace OciFtraceHook.Decoding;

internal enum RecordKind : byte
{
    /// <summary>Enter and exit paired: the whole call.</summary>
    Call,
    /// <summary>An enter whose exit has not come yet while another thread's line is shown
    /// (strace's "&lt;unfinished ...&gt;"), or whose exit was lost.</summary>
    Unfinished,
    /// <summary>The exit of a call shown as unfinished, or of one whose enter was lost or came
    /// before the trace started ("&lt;... NAME resumed&gt;").</summary>
    Resumed,
    /// <summary>A call that never returned within the trace (exit_group, or cut off at the end).</summary>
    NoReturn,
    Marker,
    LostEvents,
}

/// <summary>One thing the decoder shows: a call (or part of one), a trace_marker line, or lost events.</summary>
internal sealed class SyscallRecord
{
    public RecordKind Kind;
    public string Comm = "";
    public int Tid;
    public int Tgid;
    public int Cpu;
    public long StartNs;
    public long EndNs;
    /// <summary>ftrace's event name (sys_enter_NAME without the prefix).</summary>
    public string Event = "";
    public ulong[] Args = [];
    public int ArgCount;
    /// <summary>Per argument, the string it pointed to where the trace shows it (else null); null
    /// when no argument has one.</summary>
    public string?[]? Strings;
    /// <summary>Bit i: the string of argument i was cut short (shown with "..." after it).</summary>
    public int CutStrings;
    public bool HasArgs;
    public bool HasReturn;
    public long Return;
    /// <summary>Marker text.</summary>
    public string Text = "";
    public long Lost;
    /// <summary>For a pending call: its enter was already shown as unfinished.</summary>
    public bool Shown;
    /// <summary>Bit i: the string of argument i is the kernel's own copy (getname's).</summary>
    public int KernelCopied;
    /// <summary>The address of the last kernel copy joined to this call (one copy is seen twice
    /// where getname wraps getname_flags).</summary>
    public ulong LastCopy;

    public long DurationNs => HasReturn && HasArgs ? EndNs - StartNs : 0;

    public bool IsError => HasReturn && Return is >= -4095 and <= -1;

    public SyscallRecord Copy() => (SyscallRecord)MemberwiseClone();
}
