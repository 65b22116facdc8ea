using System.Globalization;

namespace OciFtraceHook.Decoding;

/// <summary>One strace-like line per record.</summary>
internal sealed class TextSink(CallFormatter formatter, TextWriter output, bool splitInterleaved) : IRecordSink
{
    public bool SplitsInterleaved => splitInterleaved;

    public void Write(SyscallRecord record) => output.WriteLine(formatter.Format(record));

    public void Finish(long lostFromHeader)
    {
        if (lostFromHeader > 0)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"--- {lostFromHeader} events were lost when the buffer was full: the trace is partial ---"));
    }
}
