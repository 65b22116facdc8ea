using System.Buffers.Binary;
using System.Text;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tests.SavedTraces;

/// <summary>Builds ring-buffer pages the way the kernel lays them out (small events with their
/// length in the type field, long ones with it in an array word, time extends for long gaps, a
/// missed-events mark with its count), with the formats of this machine's syscall and print
/// events, and the same events as ftrace's text: one source for writer, reader and parity tests.</summary>
internal sealed class SyntheticTrace
{
    public const int PageSize = 4096;
    public const int OpenatEnter = 782, OpenatExit = 781, Print = 5;

    public const string HeaderPage = """
        	field: u64 timestamp;	offset:0;	size:8;	signed:0;
        	field: local_t commit;	offset:8;	size:8;	signed:1;
        	field: int overwrite;	offset:8;	size:1;	signed:1;
        	field: char data;	offset:16;	size:4080;	signed:0;

        """;

    public static readonly EventFormatText[] Formats =
    [
        new(OpenatEnter, "syscalls", "sys_enter_openat", Encoding.ASCII.GetBytes("""
            name: sys_enter_openat
            ID: 782
            format:
            	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
            	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
            	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
            	field:int common_pid;	offset:4;	size:4;	signed:1;

            	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
            	field:int dfd;	offset:16;	size:8;	signed:0;
            	field:const char * filename;	offset:24;	size:8;	signed:0;
            	field:int flags;	offset:32;	size:8;	signed:0;
            	field:umode_t mode;	offset:40;	size:8;	signed:0;

            print fmt: "dfd: 0x%08lx, filename: 0x%08lx, flags: 0x%08lx, mode: 0x%08lx", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), ((unsigned long)(REC->flags)), ((unsigned long)(REC->mode))

            """)),
        new(OpenatExit, "syscalls", "sys_exit_openat", Encoding.ASCII.GetBytes("""
            name: sys_exit_openat
            ID: 781
            format:
            	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
            	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
            	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
            	field:int common_pid;	offset:4;	size:4;	signed:1;

            	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
            	field:long ret;	offset:16;	size:8;	signed:1;

            print fmt: "0x%lx", REC->ret

            """)),
        new(Print, "ftrace", "print", Encoding.ASCII.GetBytes("""
            name: print
            ID: 5
            format:
            	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
            	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
            	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
            	field:int common_pid;	offset:4;	size:4;	signed:1;

            	field:unsigned long ip;	offset:8;	size:8;	signed:0;
            	field:char buf[];	offset:16;	size:0;	signed:0;

            print fmt: "%ps: %s", (void *)REC->ip, REC->buf

            """)),
    ];

    /// <summary>Formats beyond <see cref="Formats"/> that this trace's events use (a probe's, 6.19+'s).</summary>
    public List<EventFormatText> ExtraFormats { get; } = [];

    /// <summary>Any event: its payload as the kernel stores it (common fields first), and its text line's body.</summary>
    public SyntheticTrace Event(int cpu, ulong ts, int pid, byte[] payload, string body)
    {
        Add(cpu, ts, payload, pid, body);
        return this;
    }

    /// <summary>A payload of <paramref name="size"/> bytes with the common fields of <paramref name="type"/>.</summary>
    public static byte[] Payload(int size, int type, int pid) => Common(size, type, pid);

    private readonly List<(int Cpu, ulong Ts, byte[] Payload, string Text)> _events = [];
    private readonly Dictionary<int, long> _lostBefore = new();

    public Dictionary<int, string> Comms { get; } = new();

    public SyntheticTrace Openat(int cpu, ulong ts, int pid, ulong dfd, ulong filename, ulong flags, ulong mode, long ret, ulong exitTs)
    {
        var enter = Common(48, OpenatEnter, pid);
        BinaryPrimitives.WriteInt32LittleEndian(enter.AsSpan(8), 257);
        BinaryPrimitives.WriteUInt64LittleEndian(enter.AsSpan(16), dfd);
        BinaryPrimitives.WriteUInt64LittleEndian(enter.AsSpan(24), filename);
        BinaryPrimitives.WriteUInt64LittleEndian(enter.AsSpan(32), flags);
        BinaryPrimitives.WriteUInt64LittleEndian(enter.AsSpan(40), mode);
        Add(cpu, ts, enter, pid, $"sys_openat(dfd: 0x{dfd:x}, filename: 0x{filename:x}, flags: 0x{flags:x}, mode: 0x{mode:x})");
        var exit = Common(24, OpenatExit, pid);
        BinaryPrimitives.WriteInt32LittleEndian(exit.AsSpan(8), 257);
        BinaryPrimitives.WriteInt64LittleEndian(exit.AsSpan(16), ret);
        Add(cpu, exitTs, exit, pid, $"sys_openat -> 0x{ret:x}");
        return this;
    }

    /// <summary>A trace_marker line; long ones are stored with their length in an array word.</summary>
    public SyntheticTrace Marker(int cpu, ulong ts, int pid, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text + "\n\0");
        var payload = Common(16 + bytes.Length, Print, pid);
        bytes.CopyTo(payload, 16);
        Add(cpu, ts, payload, pid, $"tracing_mark_write: {text}");
        return this;
    }

    /// <summary>Marks the next page written for <paramref name="cpu"/> as following lost events.</summary>
    public SyntheticTrace LoseBefore(int cpu, long count)
    {
        _lostBefore[cpu] = count;
        return this;
    }

    private static byte[] Common(int size, int type, int pid)
    {
        var payload = new byte[size];
        BinaryPrimitives.WriteUInt16LittleEndian(payload, (ushort)type);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), pid);
        return payload;
    }

    private void Add(int cpu, ulong ts, byte[] payload, int pid, string body)
    {
        var comm = Comms.TryGetValue(pid, out var c) ? c : "<...>";
        var seconds = ts / 1_000_000_000;
        var micros = (ts % 1_000_000_000 + 500) / 1000;
        if (micros == 1_000_000) (seconds, micros) = (seconds + 1, 0);
        var line = $"{comm,16}-{pid,-7} [{cpu:000}] ..... {seconds,5}.{micros:000000}: {body}";
        _events.Add((cpu, ts, payload, line));
    }

    /// <summary>The events as ftrace's `trace` prints them, merged by time across CPUs.</summary>
    public string Text() =>
        string.Join("\n", _events.Select((e, i) => (e, i)).OrderBy(x => x.e.Ts).ThenBy(x => x.e.Cpu).ThenBy(x => x.i).Select(x => x.e.Text)) + "\n";

    public RawCapture Capture(long lostEvents = 0)
    {
        var cpus = _events.Select(e => e.Cpu).Append(0).Max() + 1;
        var pages = new List<CpuPages>();
        var stats = new List<string>();
        long count = 0;
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            var events = _events.Where(e => e.Cpu == cpu).OrderBy(e => e.Ts).ToList();
            count += events.Count;
            var data = Pages(cpu, events.Select(e => (e.Ts, e.Payload)).ToList());
            pages.Add(new CpuPages(cpu, data, data.Length));
            stats.Add($"entries: {events.Count}\noverrun: 0\n");
        }
        var ids = _events.Select(e => (int)BinaryPrimitives.ReadUInt16LittleEndian(e.Payload)).ToHashSet();
        return new RawCapture
        {
            HeaderPage = Encoding.ASCII.GetBytes(HeaderPage),
            HeaderEvent = "# compressed entry header\n"u8.ToArray(),
            Layout = PageLayout.Parse(HeaderPage)!.Value,
            Cpus = pages,
            Formats = Formats.Concat(ExtraFormats).Where(f => ids.Contains(f.Id) || f.Id == Print).ToList(),
            SavedCmdlines = Encoding.ASCII.GetBytes(string.Concat(Comms.Select(c => $"{c.Key} {c.Value}\n"))),
            SavedTgids = [],
            TraceClock = "[local] global counter uptime perf mono mono_raw boot tai x86-tsc\n",
            CpuStats = stats,
            LostEvents = lostEvents,
            Events = count,
        };
    }

    /// <summary>Lays events into pages: a page's stamp is its first event's time; each event's
    /// delta follows the one before, with a time extend when it does not fit in 27 bits.</summary>
    private byte[] Pages(int cpu, List<(ulong Ts, byte[] Payload)> events)
    {
        var output = new MemoryStream();
        var index = 0;
        while (index < events.Count)
        {
            var page = new byte[PageSize];
            var stamp = events[index].Ts;
            BinaryPrimitives.WriteUInt64LittleEndian(page, stamp);
            var at = 16;
            var last = stamp;
            while (index < events.Count)
            {
                var (ts, payload) = events[index];
                var delta = ts - last;
                var extend = delta >= 1UL << 27 ? 8 : 0;
                var small = payload.Length <= 28 * 4 && payload.Length % 4 == 0;
                var length = (small ? 4 : 8) + (payload.Length + 3) / 4 * 4;
                if (at + extend + length > PageSize - 8) break;
                if (extend > 0)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(at), 30u | (uint)((delta & ((1UL << 27) - 1)) << 5));
                    BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(at + 4), (uint)(delta >> 27));
                    at += 8;
                    delta = 0;
                }
                if (small)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(at), (uint)(payload.Length / 4) | (uint)(delta << 5));
                    payload.CopyTo(page, at + 4);
                }
                else
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(at), (uint)(delta << 5));
                    BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(at + 4), (uint)(payload.Length + 4));
                    payload.CopyTo(page, at + 8);
                }
                at += length;
                last = ts;
                index++;
            }
            var commit = (ulong)(at - 16);
            if (_lostBefore.Remove(cpu, out var lost))
            {
                BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(at), lost);
                commit |= (1UL << 31) | (1UL << 30);
            }
            BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(8), commit);
            output.Write(page);
        }
        return output.ToArray();
    }
}
