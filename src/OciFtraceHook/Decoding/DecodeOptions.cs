namespace OciFtraceHook.Decoding;

/// <summary>What `show` was asked for.</summary>
internal sealed record DecodeOptions
{
    public IReadOnlyList<string>? Trace { get; init; }
    public bool FailedOnly { get; init; }
    public IReadOnlyList<int>? Pids { get; init; }
    public bool Summary { get; init; }
    public bool Durations { get; init; }
    /// <summary>When the trace does not say (saved traces do), the host's.</summary>
    public TraceArch? Arch { get; init; }
}
