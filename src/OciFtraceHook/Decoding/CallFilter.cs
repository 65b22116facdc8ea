using OciFtraceHook.Tables;

namespace OciFtraceHook.Decoding;

/// <summary>Which records to show, like strace's -e trace=, -Z and -p. Names are syscall names
/// (uname, not the event newuname); %file, %network, %process, %memory, %signal, %desc name classes.</summary>
internal sealed class CallFilter
{
    private readonly HashSet<string>? _events;
    private readonly HashSet<int>? _pids;

    public bool FailedOnly { get; }

    public CallFilter(IEnumerable<string>? syscallsOrClasses, bool failedOnly, IEnumerable<int>? pids, TraceArch arch)
    {
        FailedOnly = failedOnly;
        if (pids is not null) _pids = pids.ToHashSet();
        if (syscallsOrClasses is null) return;
        var table = SyscallTable.For(arch);
        _events = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in syscallsOrClasses)
        {
            IEnumerable<string> names = item.StartsWith('%') ? SyscallClasses.Members(item[1..]) : [item];
            foreach (var name in names)
            {
                _events.Add(table.EventOf(name) ?? name);
            }
        }
    }

    public static bool IsKnownClass(string name) => SyscallClasses.Members(name).Any();

    /// <summary>Filter for what the pairer shows: failed-only is decided where results are known.</summary>
    public bool Shows(SyscallRecord r)
    {
        if (r.Kind == RecordKind.LostEvents) return true;
        if (_pids is not null && !_pids.Contains(r.Tgid) && !_pids.Contains(r.Tid)) return false;
        if (r.Kind == RecordKind.Marker) return !FailedOnly;
        if (_events is not null && !_events.Contains(r.Event)) return false;
        if (FailedOnly && !r.IsError) return false;
        return true;
    }
}
