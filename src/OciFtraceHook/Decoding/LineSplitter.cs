using OciFtraceHook.Logging;

namespace OciFtraceHook.Decoding;

/// <summary>Cuts a byte stream (trace_pipe reads end anywhere) into text lines. Bytes that are not
/// UTF-8 are kept (see <see cref="Printable"/>) so that output shows them as \xNN. A line longer than
/// <see cref="TraceTextLines.MaxLine"/> bytes is dropped to its end and counted in <see cref="Skipped"/>.</summary>
internal sealed class LineSplitter(LineSplitter.LineHandler onLine)
{
    public delegate void LineHandler(ReadOnlySpan<char> line);

    private readonly List<byte> _partial = new();
    private char[] _chars = new char[4096];
    private bool _skipping;

    public long Skipped { get; private set; }

    public void Add(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var newline = bytes.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (!_skipping) foreach (var b in bytes) _partial.Add(b);
                if (_partial.Count > TraceTextLines.MaxLine)
                {
                    _partial.Clear();
                    _skipping = true;
                    Skipped++;
                }
                return;
            }
            if (_skipping)
            {
                _skipping = false;
            }
            else if (_partial.Count + newline > TraceTextLines.MaxLine)
            {
                _partial.Clear();
                Skipped++;
            }
            else if (_partial.Count > 0)
            {
                foreach (var b in bytes[..newline]) _partial.Add(b);
                Emit(_partial.ToArray());
                _partial.Clear();
            }
            else
            {
                Emit(bytes[..newline]);
            }
            bytes = bytes[(newline + 1)..];
        }
    }

    public void Finish()
    {
        if (_partial.Count == 0) return;
        Emit(_partial.ToArray());
        _partial.Clear();
    }

    private void Emit(ReadOnlySpan<byte> line)
    {
        var count = Printable.Utf8KeepingBadBytes.GetMaxCharCount(line.Length);
        if (_chars.Length < count) _chars = new char[count];
        var n = Printable.Utf8KeepingBadBytes.GetChars(line, _chars);
        onLine(_chars.AsSpan(0, n));
    }
}
