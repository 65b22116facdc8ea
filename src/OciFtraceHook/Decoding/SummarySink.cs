namespace OciFtraceHook.Decoding;

/// <summary>Counts records and writes the strace -c like table at the end.</summary>
internal sealed class SummarySink(CallFormatter formatter, TextWriter output) : IRecordSink
{
    private readonly CallSummary _summary = new();

    public bool SplitsInterleaved => false;

    public void Write(SyscallRecord record) => _summary.Add(record);

    public void Finish(long lostFromHeader) => _summary.Write(output, formatter.NameOf, lostFromHeader);
}
