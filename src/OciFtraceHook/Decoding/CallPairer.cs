namespace OciFtraceHook.Decoding;

/// <summary>Pairs syscall enter and exit events per thread into calls, the way strace -f shows
/// them: a call whose exit comes after another thread's shown line is split into
/// "&lt;unfinished ...&gt;" and "&lt;... NAME resumed&gt;"; an exit without an enter (lost, or before the
/// trace began) is a lone "resumed"; an enter followed by another enter of the same thread lost
/// its exit. Records pass through <paramref name="shows"/> (a filter) before they reach the sink.</summary>
internal sealed class CallPairer(Func<SyscallRecord, bool> shows, Action<SyscallRecord> sink, bool splitInterleaved = true)
{
    private readonly Dictionary<int, SyscallRecord> _pending = new();
    private readonly List<int> _unshown = new();

    public void Add(TraceEvent e)
    {
        switch (e.Kind)
        {
            case TraceEventKind.SyscallEnter:
                Enter(e);
                break;
            case TraceEventKind.SyscallExit:
                Exit(e);
                break;
            case TraceEventKind.Marker:
                Emit(new SyscallRecord
                {
                    Kind = RecordKind.Marker, Comm = e.Comm, Tid = e.Tid, Tgid = e.Tgid, Cpu = e.Cpu, StartNs = e.TimeNs,
                    EndNs = e.TimeNs, Text = e.Text,
                });
                break;
            case TraceEventKind.LostEvents:
                Emit(new SyscallRecord { Kind = RecordKind.LostEvents, Cpu = e.Cpu, Lost = e.Lost });
                break;
            case TraceEventKind.PathProbe:
                AttachPaths(e);
                break;
            case TraceEventKind.KernelPath:
                AttachKernelPath(e);
                break;
        }
    }

    /// <summary>End of the trace: calls still open never returned within it.</summary>
    public void Finish()
    {
        foreach (var tid in _pending.Keys.Order().ToArray())
        {
            var open = _pending[tid];
            _pending.Remove(tid);
            open.Kind = RecordKind.NoReturn;
            if (shows(open)) sink(open);
        }
        _unshown.Clear();
    }

    private void Enter(TraceEvent e)
    {
        if (_pending.Remove(e.Tid, out var previous))
        {
            // Its exit was lost: show what there is.
            _unshown.Remove(e.Tid);
            if (!previous.Shown)
            {
                previous.Kind = RecordKind.Unfinished;
                Emit(previous);
            }
        }
        var args = new ulong[e.ArgCount];
        Array.Copy(e.Args, args, e.ArgCount);
        var call = new SyscallRecord
        {
            Kind = RecordKind.Call, Comm = e.Comm, Tid = e.Tid, Tgid = e.Tgid, Cpu = e.Cpu, StartNs = e.TimeNs,
            Event = e.Name, Args = args, ArgCount = e.ArgCount, HasArgs = true, Strings = StringsOf(e), CutStrings = e.CutStrings,
        };
        if (NeverReturns(e.Name))
        {
            call.Kind = RecordKind.NoReturn;
            Emit(call);
            return;
        }
        _pending[e.Tid] = call;
        _unshown.Add(e.Tid);
    }

    private void Exit(TraceEvent e)
    {
        if (_pending.TryGetValue(e.Tid, out var open) && open.Event == e.Name)
        {
            _pending.Remove(e.Tid);
            _unshown.Remove(e.Tid);
            open.HasReturn = true;
            open.Return = e.Return;
            open.EndNs = e.TimeNs;
            if (_kernelCopies) EmptyPathWithoutCopy(open);
            open.Comm = e.Comm; // execve changes it
            open.Kind = open.Shown ? RecordKind.Resumed : RecordKind.Call;
            Emit(open);
            return;
        }
        if (open is not null)
        {
            // Another call's enter is pending: this exit's enter and that enter's exit were lost.
            _pending.Remove(e.Tid);
            _unshown.Remove(e.Tid);
            if (!open.Shown)
            {
                open.Kind = RecordKind.Unfinished;
                Emit(open);
            }
        }
        Emit(new SyscallRecord
        {
            Kind = RecordKind.Resumed, Comm = e.Comm, Tid = e.Tid, Tgid = e.Tgid, Cpu = e.Cpu, StartNs = e.TimeNs,
            EndNs = e.TimeNs, Event = e.Name, HasReturn = true, Return = e.Return,
        });
    }

    /// <summary>Calls with no exit event: the task ends, or (rt_sigreturn) resumes elsewhere.</summary>
    private static bool NeverReturns(string ev) => ev is "exit_group" or "exit" or "rt_sigreturn";

    private void Emit(SyscallRecord record)
    {
        if (!shows(record)) return;
        // A marker is written by a call of its own thread (write to trace_marker): that call is
        // shown as interrupted by it, like strace shows a signal arriving during a call.
        if (splitInterleaved && _unshown.Count > 0) ShowOthersAsUnfinished(record.Kind == RecordKind.Marker ? -1 : record.Tid);
        sink(record);
    }

    /// <summary>Before a line of one thread is shown, the calls other threads have entered and not
    /// yet left are shown as unfinished, so the output stays in time order.</summary>
    private void ShowOthersAsUnfinished(int tid)
    {
        for (var i = 0; i < _unshown.Count; i++)
        {
            var other = _unshown[i];
            if (other == tid) continue;
            var open = _pending[other];
            if (!shows(open)) continue;
            open.Shown = true;
            var unfinished = open.Copy();
            unfinished.Kind = RecordKind.Unfinished;
            sink(unfinished);
        }
        _unshown.RemoveAll(t => t != tid);
    }

    /// <summary>A path probe fires on the call's enter event, just after its line: its strings
    /// belong to the call this thread has open, if it is that syscall. They replace what the kernel
    /// printed itself: probes are enabled only where it copies nothing (6.19+ with the instance's
    /// syscall_user_buf_size at 0, where its strings print as "").</summary>
    private void AttachPaths(TraceEvent e)
    {
        if (!_pending.TryGetValue(e.Tid, out var call) || call.Event != e.Name || call.Shown) return;
        for (var i = 0; i < e.ArgCount && i < call.ArgCount; i++)
        {
            if (e.Strings[i] is not { } text) continue;
            call.Strings ??= new string?[call.ArgCount];
            call.Strings[i] = text;
            call.CutStrings &= ~(1 << i);
        }
    }

    private bool _kernelCopies;

    /// <summary>A path as the kernel copied it, between its call's enter and exit in the same task:
    /// it is what the kernel used, so it replaces what an entry probe read (which may be a fault,
    /// or another thread's later write). It goes to the path argument whose string it equals, else
    /// to the first one not filled by a copy yet whose string is missing or a fault, else to the
    /// first not filled yet (rename's two copies: old, then new).</summary>
    private void AttachKernelPath(TraceEvent e)
    {
        _kernelCopies = true;
        if (!_pending.TryGetValue(e.Tid, out var call) || call.Shown) return;
        if (!Tracing.PathArguments.ByEvent.TryGetValue(call.Event, out var indices)) return;
        var address = e.Args[0];
        if (address == call.LastCopy) return;
        call.LastCopy = address;
        if (e.Strings[0] is not { } path) return; // the copy failed: the call returns its error
        string? Current(int i) => call.Strings is { } s && i < s.Length ? s[i] : null;
        int FirstFree(Func<int, bool> wanted)
        {
            foreach (var i in indices)
            {
                if (i < call.ArgCount && (call.KernelCopied & (1 << i)) == 0 && wanted(i)) return i;
            }
            return -1;
        }
        var target = FirstFree(i => Current(i) == path);
        if (target < 0) target = FirstFree(i => Current(i) is null or QuotedString.Fault);
        if (target < 0) target = FirstFree(_ => true);
        if (target < 0) return;
        call.Strings ??= new string?[call.ArgCount];
        call.Strings[target] = path;
        call.CutStrings &= ~(1 << target);
        call.KernelCopied |= 1 << target;
    }

    /// <summary>The calls that take AT_EMPTY_PATH: the path argument and the flags argument.</summary>
    private static readonly Dictionary<string, (int Path, int Flags)> EmptyPathCalls = new(StringComparer.Ordinal)
    {
        ["newfstatat"] = (1, 3), ["statx"] = (1, 2), ["fchownat"] = (1, 4), ["linkat"] = (1, 4),
        ["execveat"] = (1, 4), ["fchmodat2"] = (1, 3), ["name_to_handle_at"] = (1, 4), ["open_tree"] = (1, 2),
    };

    private const ulong AtEmptyPath = 0x1000;

    /// <summary>With AT_EMPTY_PATH the kernel makes no copy of an empty path (it acts on the
    /// descriptor): where this trace records the kernel's copies and the call made none, its path
    /// was "", as strace shows it, whatever an entry probe could not read.</summary>
    private static void EmptyPathWithoutCopy(SyscallRecord call)
    {
        if (!EmptyPathCalls.TryGetValue(call.Event, out var at) || at.Flags >= call.ArgCount || at.Path >= call.ArgCount) return;
        if ((call.Args[at.Flags] & AtEmptyPath) == 0 || (call.KernelCopied & (1 << at.Path)) != 0) return;
        if (call.Strings is { } s && s[at.Path] is { } shown && shown != QuotedString.Fault) return;
        call.Strings ??= new string?[call.ArgCount];
        call.Strings[at.Path] = "";
        call.CutStrings &= ~(1 << at.Path);
    }

    private static string?[]? StringsOf(TraceEvent e)
    {
        string?[]? strings = null;
        for (var i = 0; i < e.ArgCount; i++)
        {
            if (e.Strings[i] is null) continue;
            strings ??= new string?[e.ArgCount];
            strings[i] = e.Strings[i];
        }
        return strings;
    }
}
