using OciFtraceHook.Tables;

namespace OciFtraceHook.Decoding;

/// <summary>What `show` was asked for.</summary>
internal sealed record DecodeOptions
{
    public IReadOnlyList<string>? Trace { get; init; }
    public bool FailedOnly { get; init; }
    public IReadOnlyList<int>? Pids { get; init; }
    public bool Summary { get; init; }
    public bool Durations { get; init; }
    public OutputFormat Format { get; init; } = OutputFormat.Text;
    /// <summary>When the trace does not say (saved traces do), the host's.</summary>
    public TraceArch? Arch { get; init; }
    /// <summary>Where decoded calls go for formats other than text and the summary: the exports
    /// live above the decoder and hand it their sink (Export/ExportSinks).</summary>
    public Func<CallFormatter, TextWriter, IRecordSink>? CreateSink { get; init; }
}

internal enum OutputFormat
{
    /// <summary>strace-like lines.</summary>
    Text,
    /// <summary>One JSON object per line, for jq.</summary>
    Json,
    /// <summary>Trace Event Format, for Perfetto UI and chrome://tracing.</summary>
    Chrome,
}
