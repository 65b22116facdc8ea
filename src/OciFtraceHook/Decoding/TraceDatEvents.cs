using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OciFtraceHook.Logging;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Decoding;

/// <summary>The events of a trace.dat, in time order across CPUs (as the kernel's `trace` file
/// merges them: the earliest first, the lower CPU on a tie), decoded by their format files into the
/// same <see cref="TraceEvent"/>s the text parser makes, so pairing, filters and exports are shared.
/// One page per CPU is in memory at a time.</summary>
internal sealed class TraceDatEvents(TraceDatFile file, string what)
{
    private readonly Dictionary<int, EventPlan> _plans = new();
    private readonly TraceEvent _event = new();

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
        e.Tgid = file.Metadata is { } m && m.Tgids.TryGetValue(tid, out var tgid) ? tgid : tid;
        e.Comm = tid == 0 ? "<idle>" : file.Comms.TryGetValue(tid, out var comm) ? comm : "<...>";
        e.ArgCount = 0;
        switch (plan.Kind)
        {
            case TraceEventKind.SyscallEnter:
                foreach (var (offset, size) in plan.Args) e.Args[e.ArgCount++] = Unsigned(payload, offset, size);
                break;
            case TraceEventKind.SyscallExit:
                e.Return = Signed(payload, plan.ReturnOffset, plan.ReturnSize);
                break;
            case TraceEventKind.Marker:
                e.Text = Text(payload, plan.Text!).TrimEnd();
                break;
            default:
                e.Text = plan.Name;
                break;
        }
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
            : new EventPlan(TraceEventKind.Other, $"unknown_event_{id.ToString(CultureInfo.InvariantCulture)}");
        _plans[id] = plan;
        return plan;
    }

    /// <summary>How one event type is read: which fields are the arguments, the return value, the text.</summary>
    private sealed record EventPlan(TraceEventKind Kind, string Name)
    {
        public (int Offset, int Size)[] Args { get; private init; } = [];
        public int ReturnOffset { get; private init; }
        public int ReturnSize { get; private init; }
        public EventField? Text { get; private init; }

        public static EventPlan For(EventFormat format)
        {
            if (format.System == "syscalls" && format.Name.StartsWith("sys_enter_", StringComparison.Ordinal))
            {
                // The arguments in order: fixed-size numbers after the syscall number. Strings the
                // kernel may add (6.19: the user string after a path pointer) are __data_loc fields.
                var args = format.Fields
                    .Where(f => !f.Name.StartsWith("common_", StringComparison.Ordinal) && f.Name != "__syscall_nr"
                                && !f.DataLoc && !f.Array && f.Size is 1 or 2 or 4 or 8)
                    .Take(TraceEvent.MaxArgs).Select(f => (f.Offset, f.Size)).ToArray();
                return new EventPlan(TraceEventKind.SyscallEnter, format.Name["sys_enter_".Length..]) { Args = args };
            }
            if (format.System == "syscalls" && format.Name.StartsWith("sys_exit_", StringComparison.Ordinal)
                && format.Field("ret") is { Size: 1 or 2 or 4 or 8 } ret)
                return new EventPlan(TraceEventKind.SyscallExit, format.Name["sys_exit_".Length..]) { ReturnOffset = ret.Offset, ReturnSize = ret.Size };
            if (format is { System: "ftrace", Name: "print" } && format.Field("buf") is { } buf)
                return new EventPlan(TraceEventKind.Marker, "tracing_mark_write") { Text = buf };
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
