namespace OciFtraceHook.TraceDat;

/// <summary>An instance's ring buffer as the kernel keeps it: every CPU's pages, copied from
/// per_cpu/cpuN/trace_pipe_raw without waiting (it blocks when empty), with what a reader needs to
/// make sense of them: the page and event headers, the format of every event the pages hold, the
/// command names and thread groups the kernel remembers of the processes in the pages, the clock and
/// each CPU's statistics.
/// Tracing/RawCaptureReader reads one from an instance; TraceDatWriter writes it as a trace.dat.</summary>
internal sealed class RawCapture
{
    public required byte[] HeaderPage { get; init; }
    public required byte[] HeaderEvent { get; init; }
    public required PageLayout Layout { get; init; }
    public required IReadOnlyList<CpuPages> Cpus { get; init; }
    /// <summary>The format files of the events the pages hold (and of markers, always).</summary>
    public required IReadOnlyList<EventFormatText> Formats { get; init; }
    public required byte[] SavedCmdlines { get; init; }
    public required byte[] SavedTgids { get; init; }
    public required string TraceClock { get; init; }
    /// <summary>per_cpu/cpuN/stats, by CPU.</summary>
    public required IReadOnlyList<string> CpuStats { get; init; }
    /// <summary>Events lost: those overwritten, counted from the pages' missed-events marks (a full
    /// page has no room to store the count with its mark: the CPU's "overrun" total then), and
    /// those refused when the buffer was full with overwrite off, which leave no mark in any page
    /// (the CPU's "dropped events").</summary>
    public required long LostEvents { get; init; }
    public required long Events { get; init; }

    /// <summary>More CPUs than this are refused in a file or a spool (trace.dat readers share the bound).</summary>
    public const int MaxCpus = 8192;

    /// <summary>The number of CPUs the file describes: one past the highest CPU with a directory.</summary>
    public int CpuCount => Cpus.Count == 0 ? 0 : Cpus.Max(c => c.Cpu) + 1;
}
