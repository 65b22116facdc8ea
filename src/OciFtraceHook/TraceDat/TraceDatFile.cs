using System.Globalization;
using System.Text;
using OciFtraceHook.Logging;
using OciFtraceHook.Tables;

namespace OciFtraceHook.TraceDat;

/// <summary>A trace.dat (trace-cmd's format, version 6) opened for reading: its header sections
/// parsed and checked, the per-CPU page regions located. Every size and offset in the file is
/// checked against the file's real length before use; anything that does not fit is one
/// <see cref="TraceDatException"/> naming the field and the offset.</summary>
internal sealed class TraceDatFile
{
    private const int MaxFormatBytes = 1 << 20;

    private readonly Stream _stream;

    public required PageLayout Layout { get; init; }
    public required IReadOnlyDictionary<int, EventFormat> Formats { get; init; }
    public required IReadOnlyDictionary<int, string> Comms { get; init; }
    public required IReadOnlyList<(int Cpu, long Offset, long Size)> CpuData { get; init; }
    public TraceDatMetadata? Metadata { get; init; }
    public string? Uname { get; init; }

    /// <summary>The architecture the file names (ours, else trace-cmd's uname option), if any.</summary>
    public TraceArch? Arch =>
        (Metadata?.Arch is { } a ? TraceArchNames.Parse(a) : null)
        ?? (Uname is { } u && u.EndsWith(" aarch64", StringComparison.Ordinal) ? TraceArch.Arm64
            : Uname is { } x && x.EndsWith(" x86_64", StringComparison.Ordinal) ? TraceArch.X86_64 : null);

    private TraceDatFile(Stream stream) => _stream = stream;

    public Stream Stream => _stream;

    /// <summary>Reads the header of a seekable stream positioned anywhere.</summary>
    /// <param name="what">How errors name the file.</param>
    public static TraceDatFile Open(Stream stream, string what) => Open(stream, what, headerOnly: false);

    /// <summary>Whose a saved trace is, from its header alone: the same walk as <see cref="Open(Stream, string)"/>,
    /// skipping the formats unparsed and stopping before the CPU data. Null when the stream is no
    /// trace.dat (a text save), a cut one, or one without our option.</summary>
    public static TraceDatMetadata? ReadMetadata(Stream stream)
    {
        try
        {
            return Open(stream, "trace", headerOnly: true).Metadata;
        }
        catch (Exception e) when (e is TraceDatException or IOException)
        {
            return null;
        }
    }

    private static TraceDatFile Open(Stream stream, string what, bool headerOnly)
    {
        stream.Position = 0;
        var reader = new BoundedReader(stream, what);
        if (!TraceDatFormat.HasMagic(reader.Bytes(Math.Min(10, reader.Remaining), "magic")))
            throw new TraceDatException($"{what}: not a trace.dat (no trace-cmd magic)");
        var version = reader.String("version", 16);
        if (version != "6")
            throw new TraceDatException($"{what}: trace.dat version {Printable.Line(version, 80)} is not read here (version 6 is; " +
                                        "`trace-cmd convert --file-version 6` converts one)");
        if (reader.U8("endianness") != 0) throw reader.Corrupt("endianness", "big-endian files are not read here");
        var longSize = reader.U8("long size");
        if (longSize is not (4 or 8)) throw reader.Corrupt("long size", longSize.ToString(CultureInfo.InvariantCulture));
        var pageSize = reader.U32("page size");

        Expect(reader, "header_page");
        var headerPage = reader.Sized(8, "header_page", MaxFormatBytes);
        var layout = PageLayout.Parse(Encoding.ASCII.GetString(headerPage))
                     ?? throw reader.Corrupt("header_page", "not a page layout");
        if (layout.PageSize != pageSize)
            throw reader.Corrupt("page size", $"{pageSize.ToString(CultureInfo.InvariantCulture)}, header_page says {layout.PageSize.ToString(CultureInfo.InvariantCulture)}");
        Expect(reader, "header_event");
        reader.Sized(8, "header_event", MaxFormatBytes);

        var formats = new Dictionary<int, EventFormat>();
        var ftrace = reader.Count("ftrace format count", 8);
        void Format(string system, string field)
        {
            if (headerOnly) reader.Skip((long)reader.U64(field), field);
            else AddFormat(formats, system, reader.Sized(8, field, MaxFormatBytes));
        }
        for (var i = 0; i < ftrace; i++) Format("ftrace", "ftrace format");
        var systems = reader.Count("event system count", 5);
        for (var s = 0; s < systems; s++)
        {
            var system = reader.String("event system name");
            var events = reader.Count("event format count", 8);
            for (var e = 0; e < events; e++) Format(system, "event format");
        }
        reader.Skip(reader.U32("kallsyms size"), "kallsyms");
        reader.Skip(reader.U32("printk formats size"), "printk formats");
        var comms = headerOnly ? [] : ParseCmdlines(reader.Sized(8, "saved cmdlines", reader.Remaining));
        if (headerOnly) reader.Skip((long)reader.U64("saved cmdlines size"), "saved cmdlines");

        var cpus = reader.Count("CPU count", 16);
        if (cpus > RawCapture.MaxCpus) throw reader.Corrupt("CPU count", cpus.ToString(CultureInfo.InvariantCulture));
        TraceDatMetadata? metadata = null;
        string? uname = null;
        var kind = Encoding.ASCII.GetString(reader.Bytes(10, "section name"));
        if (kind == "options  \0")
        {
            while (true)
            {
                var id = reader.U16("option id");
                if (id == TraceDatFormat.OptionDone) break;
                var data = reader.Sized(4, "option", reader.Remaining);
                if (id == TraceDatMetadata.OptionId) metadata ??= TraceDatMetadata.Parse(data);
                else if (id == TraceDatFormat.OptionUname) uname = Encoding.UTF8.GetString(data).TrimEnd('\0');
            }
            kind = Encoding.ASCII.GetString(reader.Bytes(10, "section name"));
        }
        if (headerOnly)
        {
            return new TraceDatFile(stream) { Layout = layout, Formats = formats, Comms = comms, CpuData = [], Metadata = metadata, Uname = uname };
        }
        if (kind == "latency  \0") throw new TraceDatException($"{what}: a latency-tracer trace.dat (text, not events) is not read here");
        if (kind != "flyrecord\0") throw reader.Corrupt("section name", "neither options nor flyrecord");

        var regions = new List<(int Cpu, long Offset, long Size)>();
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            var offset = reader.U64("CPU data offset");
            var size = reader.U64("CPU data size");
            if (size == 0) continue;
            if (offset > (ulong)reader.Length || size > (ulong)reader.Length - offset)
                throw new TraceDatException($"{what}: truncated trace.dat: CPU {cpu.ToString(CultureInfo.InvariantCulture)}'s data " +
                                            $"({size.ToString(CultureInfo.InvariantCulture)} bytes at offset {offset.ToString(CultureInfo.InvariantCulture)}) " +
                                            $"ends past the end of the file ({reader.Length.ToString(CultureInfo.InvariantCulture)} bytes)");
            if (size % pageSize != 0)
                throw new TraceDatException($"{what}: corrupt trace.dat: CPU {cpu.ToString(CultureInfo.InvariantCulture)}'s data is not whole pages");
            regions.Add((cpu, (long)offset, (long)size));
        }
        // Regions may not overlap: each CPU's page buffer then costs at most what the file holds.
        var sorted = regions.OrderBy(r => r.Offset).ToList();
        for (var i = 1; i < sorted.Count; i++)
        {
            if (sorted[i].Offset < sorted[i - 1].Offset + sorted[i - 1].Size)
                throw new TraceDatException($"{what}: corrupt trace.dat: the data of CPUs {sorted[i - 1].Cpu.ToString(CultureInfo.InvariantCulture)} and {sorted[i].Cpu.ToString(CultureInfo.InvariantCulture)} overlap");
        }
        return new TraceDatFile(stream)
        {
            Layout = layout, Formats = formats, Comms = comms, CpuData = regions, Metadata = metadata, Uname = uname,
        };
    }

    private static void Expect(BoundedReader reader, string name)
    {
        var text = reader.String(name, 32);
        if (text != name) throw reader.Corrupt(name, $"found '{text}'");
    }

    private static void AddFormat(Dictionary<int, EventFormat> formats, string system, byte[] text)
    {
        if (EventFormat.Parse(system, Encoding.UTF8.GetString(text)) is { } format) formats[format.Id] = format;
    }

    /// <summary>saved_cmdlines: "PID COMM" a line.</summary>
    private static Dictionary<int, string> ParseCmdlines(byte[] text)
    {
        var comms = new Dictionary<int, string>();
        foreach (var line in Encoding.UTF8.GetString(text).Split('\n'))
        {
            var space = line.IndexOf(' ');
            if (space > 0 && int.TryParse(line.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                comms[pid] = line[(space + 1)..];
        }
        return comms;
    }
}
