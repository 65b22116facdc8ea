namespace OciFtraceHook.Decoding;

/// <summary>Where decoded records go: strace-like text, a summary, or an export format.</summary>
internal interface IRecordSink
{
    /// <summary>Text shows a call that another thread interrupts as "unfinished" and "resumed"; the
    /// summary and the exports take each call whole, when it ends.</summary>
    bool SplitsInterleaved { get; }

    void Write(SyscallRecord record);

    /// <param name="lostFromHeader">Events the trace's header says the buffer lost.</param>
    void Finish(long lostFromHeader);
}
