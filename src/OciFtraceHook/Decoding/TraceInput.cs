using OciFtraceHook.Logging;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Decoding;

/// <summary>Where decoding starts: a trace is a trace.dat when it begins with trace-cmd's magic,
/// else ftrace's text (a trace saved as text, a copy of `trace` taken in a container, the live
/// `trace`, stdin). Both end as the same <see cref="TraceEvent"/>s.</summary>
internal static class TraceInput
{
    /// <summary>A trace.dat read from a pipe is held in memory (it must be read out of order);
    /// beyond this it is refused rather than grown without bound.</summary>
    public const long MaxUnseekableBytes = 1L << 30;

    /// <summary>Decodes <paramref name="input"/> into <paramref name="decoder"/>'s output.</summary>
    /// <param name="what">How errors name the input (its path, or "stdin").</param>
    public static void Decode(Stream input, TraceDecoder decoder, string what) =>
        Read(input, what, file => decoder.Run(file, what), decoder.Run);

    /// <summary>Hands a trace.dat to <paramref name="binary"/>, or the text to <paramref name="text"/>.</summary>
    public static void Read(Stream input, string what, Action<TraceDatFile> binary, Action<TextReader> text)
    {
        var prefix = new byte[TraceDatFormat.Magic.Length];
        var got = 0;
        while (got < prefix.Length)
        {
            var n = input.Read(prefix, got, prefix.Length - got);
            if (n == 0) break;
            got += n;
        }
        if (!TraceDatFormat.HasMagic(prefix.AsSpan(0, got)))
        {
            // Bytes that are not UTF-8 are kept, to be shown as \xNN rather than lost (Printable).
            using var reader = new StreamReader(new PrefixedStream(prefix.AsMemory(0, got), input), Printable.Utf8KeepingBadBytes, false, 1 << 16);
            text(reader);
            return;
        }
        Stream seekable;
        if (input.CanSeek && input.Length >= got)
        {
            seekable = input;
        }
        else
        {
            var memory = new MemoryStream();
            memory.Write(prefix, 0, got);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = input.Read(buffer)) > 0)
            {
                if (memory.Length + n > MaxUnseekableBytes)
                    throw new TraceDatException($"{what}: a trace.dat read from a pipe may be at most {MaxUnseekableBytes >> 20} MiB (give it as --file)");
                memory.Write(buffer, 0, n);
            }
            seekable = memory;
        }
        TraceDatFile file;
        try
        {
            file = TraceDatFile.Open(seekable, what);
        }
        catch (EndOfStreamException)
        {
            throw new TraceDatException($"{what}: truncated trace.dat (it ended while being read)");
        }
        try
        {
            binary(file);
        }
        catch (EndOfStreamException)
        {
            throw new TraceDatException($"{what}: truncated trace.dat (it ended while being read)");
        }
    }

    /// <summary>Bytes already read, then the rest of the stream.</summary>
    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_prefix.IsEmpty) return rest.Read(buffer);
            var n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
