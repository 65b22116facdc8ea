using System.Text;

namespace OciFtraceHook.Tracing;

/// <summary>What `show --follow` took out of an instance's trace_pipe, kept under /run (memory) for
/// the trace saved after the container ends. Bounded: it never holds more than <paramref name="maxBytes"/> (the
/// instance's own ring buffer, at most); past that, whole lines stop being kept and one comment line
/// says so, which the saved trace then carries.</summary>
internal sealed class FollowSpool(string path, long maxBytes) : IDisposable
{
    public const string FullLine = "# oci-ftrace-hook: the follow spool is full: later events read by show --follow are not in this trace\n";

    private readonly FileStream _file = new(path, FileMode.Append, FileAccess.Write, FileShare.Read);
    private bool _full;
    private bool _midLine;

    public bool Full => _full;

    /// <summary>Keeps <paramref name="data"/> (as read from trace_pipe) while there is room, cut at a
    /// line's end when the room runs out.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        if (_full) return;
        var room = maxBytes - FullLine.Length - _file.Length;
        if (data.Length <= room)
        {
            _file.Write(data);
            if (data.Length > 0) _midLine = data[^1] != (byte)'\n';
            return;
        }
        var cut = room > 0 ? data[..(int)room].LastIndexOf((byte)'\n') + 1 : 0;
        _file.Write(data[..cut]);
        // A line an earlier read left unfinished is ended before the note.
        if (cut == 0 && _midLine) _file.Write("\n"u8);
        _file.Write(Encoding.ASCII.GetBytes(FullLine));
        _full = true;
    }

    public void Flush() => _file.Flush();

    public void Dispose() => _file.Dispose();
}
