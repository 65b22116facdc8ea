using System.Text.Json.Serialization;
using OciFtraceHook.Processes;

namespace OciFtraceHook.Tracing;

/// <summary>What the host remembers of one instance, written before the instance is made so that
/// no instance of ours ever exists without one: whose it is, which process it traces (PID and start
/// time, so a reused PID is not mistaken for it), where its trace goes and whether it was saved.
/// `gc` reads these to clean up after crashes and containers that never got a poststop.</summary>
internal sealed record InstanceRecord
{
    [JsonPropertyName("containerId")] public required string ContainerId { get; init; }
    [JsonPropertyName("bundle")] public string? Bundle { get; init; }
    [JsonPropertyName("pid")] public int Pid { get; init; }
    [JsonPropertyName("pidStartTime")] public ulong PidStartTime { get; init; }
    [JsonPropertyName("saveDir")] public required string SaveDir { get; init; }
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }
    [JsonPropertyName("savedTo")] public string? SavedTo { get; init; }
    /// <summary>The container's name where the engine gave one.</summary>
    [JsonPropertyName("name")] public string? Name { get; init; }
    /// <summary>Ring-buffer memory the instance holds on the host (all CPUs), counted against
    /// hook.conf's cap until the instance is removed.</summary>
    [JsonPropertyName("ringBufferBytes")] public long RingBufferBytes { get; init; }

    /// <summary>Is the traced init still running (the same process, not a reused PID)?</summary>
    public bool InitIsAlive() => InitProcessLocator.IsSame(new InitProcess(Pid, "", PidStartTime));
}
