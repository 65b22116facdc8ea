using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using OciFtraceHook.Logging;

namespace OciFtraceHook.TraceDat;

/// <summary>Reads a trace.dat's header fields from a seekable stream, every length checked against
/// what the file really holds before anything is allocated for it.</summary>
internal sealed class BoundedReader(Stream stream, string what)
{
    public long Length { get; } = stream.Length;

    public long Position => stream.Position;

    public long Remaining => Length - stream.Position;

    public byte[] Bytes(long count, string field)
    {
        if (count < 0 || count > Remaining)
            throw Truncated(field, $"{count.ToString(CultureInfo.InvariantCulture)} bytes, {Remaining.ToString(CultureInfo.InvariantCulture)} left");
        var bytes = new byte[count];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public void Skip(long count, string field)
    {
        if (count < 0 || count > Remaining) throw Truncated(field, $"{count.ToString(CultureInfo.InvariantCulture)} bytes to skip");
        stream.Seek(count, SeekOrigin.Current);
    }

    public byte U8(string field) => Bytes(1, field)[0];

    public ushort U16(string field) => BinaryPrimitives.ReadUInt16LittleEndian(Bytes(2, field));

    public uint U32(string field) => BinaryPrimitives.ReadUInt32LittleEndian(Bytes(4, field));

    public ulong U64(string field) => BinaryPrimitives.ReadUInt64LittleEndian(Bytes(8, field));

    /// <summary>A NUL-terminated string of at most <paramref name="max"/> bytes.</summary>
    public string String(string field, int max = 256)
    {
        var text = new StringBuilder();
        while (true)
        {
            if (Remaining < 1) throw Truncated(field, "no end to the string");
            var b = stream.ReadByte();
            if (b == 0) return text.ToString();
            if (text.Length >= max) throw Corrupt(field, $"a string longer than {max.ToString(CultureInfo.InvariantCulture)} bytes");
            text.Append((char)b);
        }
    }

    /// <summary>A section whose size the file gives in front of it (4 or 8 bytes).</summary>
    public byte[] Sized(int sizeBytes, string field, long max)
    {
        var size = sizeBytes == 8 ? U64(field) : U32(field);
        if (size > (ulong)Remaining) throw Truncated(field, $"{size.ToString(CultureInfo.InvariantCulture)} bytes, {Remaining.ToString(CultureInfo.InvariantCulture)} left");
        if (size > (ulong)max) throw Corrupt(field, $"{size.ToString(CultureInfo.InvariantCulture)} bytes, more than {max.ToString(CultureInfo.InvariantCulture)}");
        return Bytes((long)size, field);
    }

    /// <summary>A count of items each at least <paramref name="minItemBytes"/> long: never more
    /// than the rest of the file could hold.</summary>
    public int Count(string field, int minItemBytes)
    {
        var count = U32(field);
        if (count > Remaining / minItemBytes)
            throw Corrupt(field, $"{count.ToString(CultureInfo.InvariantCulture)} items do not fit in the {Remaining.ToString(CultureInfo.InvariantCulture)} bytes left");
        return (int)count;
    }

    public TraceDatException Truncated(string field, string detail) =>
        new($"{what}: truncated trace.dat: {field} at offset {Position.ToString(CultureInfo.InvariantCulture)} ({detail})");

    public TraceDatException Corrupt(string field, string detail) =>
        new($"{what}: corrupt trace.dat: {field} at offset {Position.ToString(CultureInfo.InvariantCulture)} ({Printable.Line(detail, 80)})");
}
