using System.Buffers;

namespace OciFtraceHook.Export;

/// <summary>A reusable buffer for Utf8JsonWriter, so writing a record allocates nothing lasting.</summary>
internal sealed class ArrayBufferWriterStream : IBufferWriter<byte>
{
    private byte[] _buffer = new byte[4096];
    private int _written;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _written);

    public void Reset() => _written = 0;

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    private void Ensure(int sizeHint)
    {
        if (_buffer.Length - _written >= Math.Max(sizeHint, 256)) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _written + Math.Max(sizeHint, 256)));
    }
}
