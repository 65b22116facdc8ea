using System.Buffers.Binary;
using System.Globalization;
using OciFtraceHook.Logging;
using OciFtraceHook.TraceDat;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Decoding;

/// <summary>The events of a trace.dat, in time order across CPUs (as the kernel's `trace` file
/// merges them: the earliest first, the lower CPU on a tie), decoded by their format files into the
/// same <see cref="TraceEvent"/>s the text parser makes, so pairing, filters and exports are shared.
/// One page per CPU is in memory at a time. Strings come only from the fields the kernel filled:
/// a path probe's, and 6.19+'s copies of user strings and buffers (those only where
/// <paramref name="kernelStrings"/>: where the hook let the kernel copy user memory).</summary>
internal sealed class TraceDatEvents(TraceDatFile file, string what, bool kernelStrings = true)
{
    private readonly Dictionary<int, EventPlan> _plans = new();
    private readonly TraceEvent _event = new();
    private readonly ThreadGroups _groups = new();

    /// <summary>Events whose type has no format in the file, by type id: not shown, but counted.</summary>
    public Dictionary<int, long> Unknown { get; } = new();

    /// <summary>Calls <paramref name="onEvent"/> with each event (the same object, refilled).</summary>
    public void Read(Action<TraceEvent> onEvent)
    {
        var cpus = file.CpuData.Select(r => new CpuStream(file, r.Cpu, r.Offset, r.Size, what)).ToArray();
        foreach (var cpu in cpus) cpu.Advance();
        while (true)
        {
            CpuStream? next = null;
            foreach (var cpu in cpus)
            {
                if (cpu.HasEvent && (next is null || cpu.Timestamp < next.Timestamp)) next = cpu;
            }
            if (next is null) return;
            if (next.PendingLost != 0)
            {
                Lost(next.Cpu, next.PendingLost);
                onEvent(_event);
                next.PendingLost = 0;
            }
            if (Decode(next)) onEvent(_event);
            next.Advance();
        }
    }

    private void Lost(int cpu, long count)
    {
        var e = _event;
        e.Kind = TraceEventKind.LostEvents;
        e.Cpu = cpu;
        e.Lost = count < 0 ? 1 : count; // the kernel had no room to say how many: at least one
        e.Tid = e.Tgid = 0;
        e.Name = "";
        e.Comm = "";
        e.ArgCount = 0;
    }

    private bool Decode(CpuStream cpu)
    {
        var payload = cpu.Payload;
        if (payload.Length < 8) return false;
        var plan = Plan(BinaryPrimitives.ReadUInt16LittleEndian(payload));
        var e = _event;
        var tid = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        e.Kind = plan.Kind;
        e.Name = plan.Name;
        e.Cpu = cpu.Cpu;
        // Rounded to the microsecond as the kernel's text rounds it, so both decoders show the same.
        e.TimeNs = (long)Math.Min((cpu.Timestamp + 500) / 1000, long.MaxValue / 1000) * 1000;
        e.Tid = tid;
        e.Tgid = file.Metadata is { } m && m.Tgids.TryGetValue(tid, out var tgid) ? tgid : _groups.Of(tid);
        e.Comm = tid == 0 ? "<idle>" : file.Comms.TryGetValue(tid, out var comm) ? comm : "<...>";
        e.ArgCount = 0;
        switch (plan.Kind)
        {
            case TraceEventKind.SyscallEnter:
                foreach (var (offset, size) in plan.Args) e.Args[e.ArgCount++] = Unsigned(payload, offset, size);
                Array.Clear(e.Strings);
                e.CutStrings = 0;
                if (kernelStrings)
                {
                    foreach (var data in plan.UserData) UserData(payload, data, e);
                }
                break;
            case TraceEventKind.SyscallExit:
                e.Return = Signed(payload, plan.ReturnOffset, plan.ReturnSize);
                break;
            case TraceEventKind.NewTask:
                foreach (var (offset, size) in plan.Args) e.Args[e.ArgCount++] = Unsigned(payload, offset, size);
                _groups.Made(e.Tgid, (int)(uint)e.Args[0], e.Args[1]);
                break;
            case TraceEventKind.Marker:
                e.Text = Text(payload, plan.Text!).TrimEnd();
                break;
            case TraceEventKind.KernelPath:
                Array.Clear(e.Strings);
                e.CutStrings = 0;
                e.Args[0] = Unsigned(payload, plan.ReturnOffset, plan.ReturnSize);
                e.ArgCount = 1;
                e.Strings[0] = ProbeString(payload, plan.Text!) is var copied && copied != QuotedString.Fault ? copied : null;
                break;
            case TraceEventKind.PathProbe:
                Array.Clear(e.Strings);
                e.CutStrings = 0;
                foreach (var (index, field) in plan.ProbeStrings)
                {
                    e.Strings[index] = ProbeString(payload, field);
                    e.ArgCount = Math.Max(e.ArgCount, index + 1);
                }
                break;
            default:
                if (plan.Unknown) Unknown[plan.Id] = Unknown.GetValueOrDefault(plan.Id) + 1;
                e.Text = plan.Name;
                break;
        }
        return true;
    }

    /// <summary>What 6.19+ copied of a user string or buffer after the argument's value. A string
    /// holds its NUL, and "..." before it when cut at syscall_user_buf_size; a buffer holds no NUL,
    /// and is cut when the count (the next argument) asked for more than it holds: with nothing
    /// copied then, the address stays, as the text's "(, ...)" says.</summary>
    private static void UserData(ReadOnlySpan<byte> payload, UserDataField data, TraceEvent e)
    {
        if (data.Arg >= e.ArgCount || !TryLocate(payload, data.Field, out var bytes)) return;
        if (data.Bytes)
        {
            var cut = data.Arg + 1 < e.ArgCount && e.Args[data.Arg + 1] > (ulong)bytes.Length;
            if (cut && bytes.IsEmpty) return;
            e.Strings[data.Arg] = System.Text.Encoding.UTF8.GetString(bytes);
            if (cut) e.CutStrings |= 1 << data.Arg;
            return;
        }
        var nul = bytes.IndexOf((byte)0);
        var text = nul < 0 ? bytes : bytes[..nul];
        var cutText = text.EndsWith("..."u8);
        if (cutText) text = text[..^3];
        e.Strings[data.Arg] = Printable.Utf8KeepingBadBytes.GetString(text);
        if (cutText) e.CutStrings |= 1 << data.Arg;
    }

    /// <summary>A probe's string: empty (length 0) when the page was not resident, as the kernel's
    /// text says "(fault)".</summary>
    private static string ProbeString(ReadOnlySpan<byte> payload, EventField field)
    {
        if (!TryLocate(payload, field, out var bytes) || bytes.IsEmpty) return QuotedString.Fault;
        var nul = bytes.IndexOf((byte)0);
        return Printable.Utf8KeepingBadBytes.GetString(nul < 0 ? bytes : bytes[..nul]);
    }

    /// <summary>A __data_loc field's bytes (length &lt;&lt; 16 | offset within the event), checked
    /// against the event's own length.</summary>
    private static bool TryLocate(ReadOnlySpan<byte> payload, EventField field, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (field.Offset < 0 || field.Offset > payload.Length - 4) return false;
        var loc = BinaryPrimitives.ReadUInt32LittleEndian(payload[field.Offset..]);
        var (start, length) = ((int)(loc & 0xffff), (int)(loc >> 16));
        if (start > payload.Length || length > payload.Length - start) return false;
        bytes = payload.Slice(start, length);
        return true;
    }

    private static ulong Unsigned(ReadOnlySpan<byte> payload, int offset, int size)
    {
        if (offset < 0 || offset > payload.Length - size) return 0;
        var field = payload.Slice(offset, size);
        return size switch
        {
            8 => BinaryPrimitives.ReadUInt64LittleEndian(field),
            4 => BinaryPrimitives.ReadUInt32LittleEndian(field),
            2 => BinaryPrimitives.ReadUInt16LittleEndian(field),
            _ => field[0],
        };
    }

    private static long Signed(ReadOnlySpan<byte> payload, int offset, int size)
    {
        if (offset < 0 || offset > payload.Length - size) return 0;
        var field = payload.Slice(offset, size);
        return size switch
        {
            8 => BinaryPrimitives.ReadInt64LittleEndian(field),
            4 => BinaryPrimitives.ReadInt32LittleEndian(field),
            2 => BinaryPrimitives.ReadInt16LittleEndian(field),
            _ => (sbyte)field[0],
        };
    }

    /// <summary>A string field: a __data_loc (length &lt;&lt; 16 | offset within the event), or a
    /// char array up to its size (to the end of the event for size 0), ending at a NUL.</summary>
    private static string Text(ReadOnlySpan<byte> payload, EventField field)
    {
        int start, length;
        if (field.DataLoc)
        {
            if (field.Offset > payload.Length - 4) return "";
            var loc = BinaryPrimitives.ReadUInt32LittleEndian(payload[field.Offset..]);
            (start, length) = ((int)(loc & 0xffff), (int)(loc >> 16));
        }
        else
        {
            (start, length) = (field.Offset, field.Size == 0 ? payload.Length - field.Offset : field.Size);
        }
        if (start < 0 || start > payload.Length) return "";
        var bytes = payload.Slice(start, Math.Min(Math.Max(length, 0), payload.Length - start));
        var nul = bytes.IndexOf((byte)0);
        // What a container wrote may not be UTF-8: those bytes are kept, to be shown as \xNN (Printable).
        return Printable.Utf8KeepingBadBytes.GetString(nul < 0 ? bytes : bytes[..nul]);
    }

    private EventPlan Plan(int id)
    {
        if (_plans.TryGetValue(id, out var plan)) return plan;
        plan = file.Formats.TryGetValue(id, out var format) ? EventPlan.For(format)
            : new EventPlan(TraceEventKind.Other, $"unknown_event_{id.ToString(CultureInfo.InvariantCulture)}") { Id = id, Unknown = true };
        _plans[id] = plan;
        return plan;
    }

    /// <summary>A 6.19+ copy of user memory: the argument it belongs to, its __data_loc field, and
    /// whether it is a buffer's bytes rather than a NUL-ended string.</summary>
    private readonly record struct UserDataField(int Arg, EventField Field, bool Bytes);

    /// <summary>How one event type is read: which fields are the arguments, the return value, the text.</summary>
    private sealed record EventPlan(TraceEventKind Kind, string Name)
    {
        public (int Offset, int Size)[] Args { get; private init; } = [];
        public UserDataField[] UserData { get; private init; } = [];
        public (int Arg, EventField Field)[] ProbeStrings { get; private init; } = [];
        public int ReturnOffset { get; private init; }
        public int ReturnSize { get; private init; }
        public EventField? Text { get; private init; }
        public int Id { get; init; }
        /// <summary>The file has no format for this type id.</summary>
        public bool Unknown { get; init; }

        public static EventPlan For(EventFormat format)
        {
            if (format.System == "syscalls" && format.Name.StartsWith("sys_enter_", StringComparison.Ordinal))
            {
                // The arguments in order: fixed-size numbers after the syscall number. The user
                // strings and buffers 6.19+ copies are __data_loc fields named after their argument
                // ("__filename_val"); the print format says which are bytes (__print_dynamic_array).
                var argFields = format.Fields
                    .Where(f => !f.Name.StartsWith("common_", StringComparison.Ordinal) && f.Name != "__syscall_nr"
                                && !f.DataLoc && !f.Array && f.Size is 1 or 2 or 4 or 8)
                    .Take(TraceEvent.MaxArgs).ToList();
                var userData = new List<UserDataField>();
                foreach (var field in format.Fields.Where(f => f.DataLoc && f.Name.StartsWith("__", StringComparison.Ordinal) && f.Name.EndsWith("_val", StringComparison.Ordinal)))
                {
                    var arg = argFields.FindIndex(a => a.Name == field.Name[2..^4]);
                    if (arg < 0) continue;
                    var bytes = format.PrintFormat.Contains($"__print_dynamic_array({field.Name},", StringComparison.Ordinal);
                    userData.Add(new UserDataField(arg, field, bytes));
                }
                return new EventPlan(TraceEventKind.SyscallEnter, format.Name["sys_enter_".Length..])
                {
                    Args = argFields.Select(f => (f.Offset, f.Size)).ToArray(), UserData = userData.ToArray(),
                };
            }
            if (format.System == "syscalls" && format.Name.StartsWith("sys_exit_", StringComparison.Ordinal)
                && format.Field("ret") is { Size: 1 or 2 or 4 or 8 } ret)
                return new EventPlan(TraceEventKind.SyscallExit, format.Name["sys_exit_".Length..]) { ReturnOffset = ret.Offset, ReturnSize = ret.Size };
            if (format is { System: "task", Name: "task_newtask" } && format.Field("pid") is { Size: 4 } pid
                && format.Field("clone_flags") is { Size: 4 or 8 } cloneFlags)
                return new EventPlan(TraceEventKind.NewTask, format.Name) { Args = [(pid.Offset, 4), (cloneFlags.Offset, cloneFlags.Size)] };
            if (format is { System: "ftrace", Name: "print" } && format.Field("buf") is { } buf)
                return new EventPlan(TraceEventKind.Marker, "tracing_mark_write") { Text = buf };
            if (format.System == PathProbes.Group && format.Name.StartsWith(PathProbes.KernelCopyPrefix, StringComparison.Ordinal)
                && format.Field("ptr") is { Size: 8 } ptr && format.Field("name") is { DataLoc: true } name)
                return new EventPlan(TraceEventKind.KernelPath, format.Name) { ReturnOffset = ptr.Offset, ReturnSize = 8, Text = name };
            if (format.System == PathProbes.Group)
            {
                // "aN": the string of argument N of the syscall the probe is named after.
                var strings = format.Fields
                    .Where(f => f.DataLoc && f.Name.Length >= 2 && f.Name[0] == 'a')
                    .Select(f => (Arg: int.TryParse(f.Name.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1, Field: f))
                    .Where(p => p.Arg is >= 0 and < TraceEvent.MaxArgs).ToArray();
                if (strings.Length > 0) return new EventPlan(TraceEventKind.PathProbe, format.Name) { ProbeStrings = strings };
            }
            return new EventPlan(TraceEventKind.Other, format.Name);
        }
    }

    /// <summary>One CPU's pages, read a page at a time, and its next event.</summary>
    private sealed class CpuStream
    {
        private readonly TraceDatFile _file;
        private readonly long _offset;
        private readonly long _size;
        private readonly string _what;
        private readonly byte[] _page;
        private readonly PageCursor _cursor;
        private long _read;
        private bool _loaded;
        private int _payload;
        private int _length;

        public CpuStream(TraceDatFile file, int cpu, long offset, long size, string what)
        {
            _file = file;
            Cpu = cpu;
            _offset = offset;
            _size = size;
            _what = what;
            _page = new byte[file.Layout.PageSize];
            _cursor = new PageCursor(file.Layout);
        }

        public int Cpu { get; }
        public bool HasEvent { get; private set; }
        public ulong Timestamp { get; private set; }
        public long PendingLost { get; set; }
        public ReadOnlySpan<byte> Payload => _page.AsSpan(_payload, _length);

        public void Advance()
        {
            while (true)
            {
                if (_loaded && _cursor.Next(out _payload, out _length))
                {
                    HasEvent = true;
                    Timestamp = _cursor.Timestamp;
                    return;
                }
                if (_loaded && _cursor.Corrupt)
                    throw new TraceDatException($"{_what}: corrupt trace.dat: an event of CPU {Cpu.ToString(CultureInfo.InvariantCulture)} " +
                                                $"does not fit in its page (the page at offset {(_offset + _read - _page.Length).ToString(CultureInfo.InvariantCulture)})");
                if (_read >= _size)
                {
                    HasEvent = false;
                    return;
                }
                var stream = _file.Stream;
                stream.Position = _offset + _read;
                stream.ReadExactly(_page);
                _read += _page.Length;
                if (!_cursor.Load(_page, 0))
                    throw new TraceDatException($"{_what}: corrupt trace.dat: the page at offset {(_offset + _read - _page.Length).ToString(CultureInfo.InvariantCulture)} " +
                                                "commits more than a page holds");
                _loaded = true;
                if (_cursor.Lost != 0) PendingLost += _cursor.Lost;
            }
        }
    }
}
