using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace OciFtraceHook.TraceDat;

/// <summary>Writes a raw capture as trace-cmd's trace.dat, version 6, the way trace-cmd's
/// trace-output.c lays it out: magic and version, endianness, long size and page size; the
/// header_page and header_event files; the ftrace formats, then the other events' formats by
/// system; kallsyms and printk formats (empty); saved_cmdlines; the CPU count; options; and
/// "flyrecord" with each CPU's offset and size, the pages themselves starting page-aligned.</summary>
internal static class TraceDatWriter
{
    public static void Write(Stream output, RawCapture capture, TraceDatMetadata metadata, string uname)
    {
        var header = new MemoryStream();
        header.Write(TraceDatFormat.Magic);
        header.Write(Encoding.ASCII.GetBytes(TraceDatFormat.Version.ToString(CultureInfo.InvariantCulture) + "\0"));
        header.WriteByte(0); // little endian: the host's (x86_64, arm64)
        header.WriteByte(8); // user space long size
        U32(header, (uint)capture.Layout.PageSize);

        Named(header, "header_page", capture.HeaderPage);
        Named(header, "header_event", capture.HeaderEvent);

        var ftrace = capture.Formats.Where(f => f.System == "ftrace").ToList();
        U32(header, (uint)ftrace.Count);
        foreach (var format in ftrace) Sized8(header, format.Text);
        var systems = capture.Formats.Where(f => f.System != "ftrace").GroupBy(f => f.System).ToList();
        U32(header, (uint)systems.Count);
        foreach (var system in systems)
        {
            header.Write(Encoding.UTF8.GetBytes(system.Key + "\0"));
            U32(header, (uint)system.Count());
            foreach (var format in system) Sized8(header, format.Text);
        }
        U32(header, 0); // kallsyms: syscall events print no kernel addresses
        U32(header, 0); // printk formats
        Sized8(header, capture.SavedCmdlines);

        var cpus = capture.CpuCount;
        U32(header, (uint)cpus);
        header.Write("options  \0"u8);
        Option(header, TraceDatFormat.OptionTraceClock, Encoding.ASCII.GetBytes(capture.TraceClock + "\0"));
        Option(header, TraceDatFormat.OptionUname, Encoding.UTF8.GetBytes(uname + "\0"));
        for (var i = 0; i < capture.CpuStats.Count && i < capture.Cpus.Count; i++)
        {
            var stats = $"CPU: {capture.Cpus[i].Cpu.ToString(CultureInfo.InvariantCulture)}\n{capture.CpuStats[i]}\0";
            Option(header, TraceDatFormat.OptionCpuStat, Encoding.ASCII.GetBytes(stats));
        }
        Option(header, TraceDatMetadata.OptionId, metadata.ToBytes(capture.SavedTgids));
        U16(header, TraceDatFormat.OptionDone);
        header.Write("flyrecord\0"u8);

        // Each CPU's pages start on a page boundary of the file, as trace-cmd writes them (it maps them).
        var pageSize = capture.Layout.PageSize;
        var offset = Align(header.Length + 16L * cpus, pageSize);
        var placed = new (long Offset, long Size)[cpus];
        foreach (var cpu in capture.Cpus)
        {
            placed[cpu.Cpu] = (offset, cpu.Data.Length);
            offset = Align(offset + cpu.Data.Length, pageSize);
        }
        foreach (var (at, size) in placed)
        {
            U64(header, (ulong)at);
            U64(header, (ulong)size);
        }
        header.WriteTo(output);
        var written = header.Length;
        foreach (var cpu in capture.Cpus)
        {
            Pad(output, placed[cpu.Cpu].Offset - written);
            output.Write(cpu.Data.Span);
            written = placed[cpu.Cpu].Offset + cpu.Data.Length;
        }
    }

    private static long Align(long value, int to) => (value + to - 1) / to * to;

    private static void Pad(Stream output, long count)
    {
        Span<byte> zeros = stackalloc byte[4096];
        zeros.Clear();
        while (count > 0)
        {
            var n = (int)Math.Min(count, zeros.Length);
            output.Write(zeros[..n]);
            count -= n;
        }
    }

    private static void Named(Stream output, string name, byte[] content)
    {
        output.Write(Encoding.ASCII.GetBytes(name + "\0"));
        Sized8(output, content);
    }

    private static void Sized8(Stream output, byte[] content)
    {
        U64(output, (ulong)content.Length);
        output.Write(content);
    }

    private static void Option(Stream output, ushort id, byte[] data)
    {
        U16(output, id);
        U32(output, (uint)data.Length);
        output.Write(data);
    }

    private static void U16(Stream output, ushort value)
    {
        Span<byte> bytes = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        output.Write(bytes);
    }

    private static void U32(Stream output, uint value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        output.Write(bytes);
    }

    private static void U64(Stream output, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        output.Write(bytes);
    }
}
