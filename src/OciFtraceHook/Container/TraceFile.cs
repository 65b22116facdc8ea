namespace OciFtraceHook.Container;

/// <summary>One instance file shown inside the container, and whether the container may write it.</summary>
internal sealed record TraceFile(string Name, bool Writable)
{
    /// <summary>trace and trace_pipe to read; trace_marker so the application can mark its own
    /// phases in its trace. Nothing that configures tracing is ever shown.</summary>
    public static readonly IReadOnlyList<TraceFile> Defaults =
    [
        new("trace", Writable: false),
        new("trace_pipe", Writable: false),
        new("trace_marker", Writable: true),
    ];
}
