using System.Text;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>A protobuf message written field by field (proto3: fields at their default value are
/// left out). Enough for the few CRI requests the tests send; field numbers are the CRI API's.</summary>
internal sealed class ProtoWriter
{
    private readonly MemoryStream _bytes = new();

    public ProtoWriter String(int field, string? value) =>
        string.IsNullOrEmpty(value) ? this : Bytes(field, Encoding.UTF8.GetBytes(value));

    public ProtoWriter Strings(int field, IEnumerable<string> values)
    {
        // Repeated strings are written one field each, empty ones included.
        foreach (var value in values) Bytes(field, Encoding.UTF8.GetBytes(value));
        return this;
    }

    public ProtoWriter Varint(int field, long value)
    {
        if (value == 0) return this;
        Tag(field, 0);
        Raw((ulong)value);
        return this;
    }

    public ProtoWriter Bool(int field, bool value) => Varint(field, value ? 1 : 0);

    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.ToArray());

    /// <summary>A map&lt;string, string&gt;: one entry message (key = 1, value = 2) per pair.</summary>
    public ProtoWriter Map(int field, IReadOnlyDictionary<string, string>? map)
    {
        foreach (var (key, value) in map ?? new Dictionary<string, string>())
            Message(field, new ProtoWriter().String(1, key).String(2, value));
        return this;
    }

    public byte[] ToArray() => _bytes.ToArray();

    private ProtoWriter Bytes(int field, byte[] value)
    {
        Tag(field, 2);
        Raw((ulong)value.Length);
        _bytes.Write(value);
        return this;
    }

    private void Tag(int field, int wireType) => Raw((ulong)((field << 3) | wireType));

    private void Raw(ulong value)
    {
        while (value >= 0x80)
        {
            _bytes.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        _bytes.WriteByte((byte)value);
    }
}

/// <summary>A protobuf message read into its fields: varints and length-delimited values by field
/// number (the CRI responses the tests read use no other wire types but fixed ones, skipped).</summary>
internal sealed class ProtoReader
{
    private readonly Dictionary<int, List<object>> _fields = [];

    public ProtoReader(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        while (at < bytes.Length)
        {
            var tag = ReadVarint(bytes, ref at);
            var field = (int)(tag >> 3);
            object value = (tag & 7) switch
            {
                0 => ReadVarint(bytes, ref at),
                2 => Take(bytes, ref at, (int)ReadVarint(bytes, ref at)),
                1 => Take(bytes, ref at, 8),
                5 => Take(bytes, ref at, 4),
                var wire => throw new InvalidDataException($"protobuf wire type {wire} in field {field}"),
            };
            if (!_fields.TryGetValue(field, out var list)) _fields[field] = list = [];
            list.Add(value);
        }
    }

    public string String(int field) => _fields.TryGetValue(field, out var list) ? Encoding.UTF8.GetString((byte[])list[^1]) : "";

    public byte[] Bytes(int field) => _fields.TryGetValue(field, out var list) ? (byte[])list[^1] : [];

    public long Varint(int field) => _fields.TryGetValue(field, out var list) ? (long)(ulong)list[^1] : 0;

    public ProtoReader Message(int field) => new(Bytes(field));

    public IEnumerable<ProtoReader> Messages(int field) =>
        (_fields.TryGetValue(field, out var list) ? list : []).Select(value => new ProtoReader((byte[])value));

    public IReadOnlyDictionary<string, string> Map(int field) =>
        (_fields.TryGetValue(field, out var list) ? list : [])
        .Select(entry => new ProtoReader((byte[])entry))
        .ToDictionary(entry => entry.String(1), entry => entry.String(2));

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (at >= bytes.Length) throw new InvalidDataException("protobuf varint runs past the end");
            var b = bytes[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
        throw new InvalidDataException("protobuf varint longer than 10 bytes");
    }

    private static byte[] Take(ReadOnlySpan<byte> bytes, ref int at, int length)
    {
        if (length < 0 || at + length > bytes.Length) throw new InvalidDataException("protobuf field runs past the end");
        var value = bytes.Slice(at, length).ToArray();
        at += length;
        return value;
    }
}
