using System.Text.Json;
using OciFtraceHook.Oci;
using OciFtraceHook.Processes;

namespace OciFtraceHook.Records;

/// <summary>What the host remembers of one instance, written before the instance is made so that
/// no instance of ours ever exists without one: whose it is, which process it traces (PID and start
/// time, so a reused PID is not mistaken for it), where its trace goes and whether it was saved.
/// `gc` reads these to clean up after crashes and containers that never got a poststop.</summary>
internal sealed record InstanceRecord
{
    public required string ContainerId { get; init; }
    public string? Bundle { get; init; }
    public int Pid { get; init; }
    public ulong PidStartTime { get; init; }
    public required string SaveDir { get; init; }
    public DateTimeOffset Created { get; init; }
    public string? SavedTo { get; init; }
    /// <summary>When poststop stopped its recording and handed the save to a detached gc; with
    /// <see cref="SavedTo"/> still null, the save is under way (see <see cref="SavePending"/>).</summary>
    public DateTimeOffset? StoppedAt { get; init; }
    /// <summary>The container's name where the engine gave one.</summary>
    public string? Name { get; init; }
    /// <summary>Whose it is, for the per-tenant caps (see Oci.Tenant); null in records of older versions.</summary>
    public string? Tenant { get; init; }
    /// <summary>Ring-buffer memory the instance holds on the host (all CPUs), counted against
    /// hook.conf's cap until the instance is removed.</summary>
    public long RingBufferBytes { get; init; }
    /// <summary>How its paths are recorded (for the saved trace's header): see PathCapture.</summary>
    public string? Paths { get; init; }
    /// <summary>Since when gc finds the instance held open (rmdir: EBUSY): disarmed and shrunk then,
    /// it counts against no cap, and each later gc tries its removal once.</summary>
    public DateTimeOffset? PinnedSince { get; init; }

    /// <summary>Read through JsonFields, not JsonSerializer: records are read at every start (see JsonFields).</summary>
    public static InstanceRecord FromJson(JsonElement o, string path) => new()
    {
        ContainerId = JsonFields.String(o, "containerId", path) ?? throw new HookException($"{path}.containerId is missing"),
        Bundle = JsonFields.String(o, "bundle", path),
        Pid = JsonFields.Int32(o, "pid", path) ?? 0,
        PidStartTime = JsonFields.UInt64(o, "pidStartTime", path),
        SaveDir = JsonFields.String(o, "saveDir", path) ?? throw new HookException($"{path}.saveDir is missing"),
        Created = JsonFields.DateTimeOffset(o, "created", path),
        SavedTo = JsonFields.String(o, "savedTo", path),
        StoppedAt = JsonFields.DateTimeOffsetOrNull(o, "stoppedAt", path),
        Name = JsonFields.String(o, "name", path),
        Tenant = JsonFields.String(o, "tenant", path),
        RingBufferBytes = JsonFields.Int64(o, "ringBufferBytes", path),
        Paths = JsonFields.String(o, "paths", path),
        PinnedSince = JsonFields.DateTimeOffsetOrNull(o, "pinnedSince", path),
    };

    /// <summary>The record as JSON (absent values left out), as it was written with JsonSerializer.</summary>
    public byte[] ToJson()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("containerId", ContainerId);
            if (Bundle is not null) writer.WriteString("bundle", Bundle);
            writer.WriteNumber("pid", Pid);
            writer.WriteNumber("pidStartTime", PidStartTime);
            writer.WriteString("saveDir", SaveDir);
            writer.WriteString("created", Created);
            if (SavedTo is not null) writer.WriteString("savedTo", SavedTo);
            if (StoppedAt is { } stopped) writer.WriteString("stoppedAt", stopped);
            if (Name is not null) writer.WriteString("name", Name);
            if (Tenant is not null) writer.WriteString("tenant", Tenant);
            writer.WriteNumber("ringBufferBytes", RingBufferBytes);
            if (Paths is not null) writer.WriteString("paths", Paths);
            if (PinnedSince is { } pinned) writer.WriteString("pinnedSince", pinned);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>See <see cref="RecordPhases.SaveDeadline"/>.</summary>
    public static TimeSpan SaveDeadline => RecordPhases.SaveDeadline;

    /// <summary>Poststop handed the save on and it is not done yet: the trace is on disk in a moment
    /// (<see cref="RecordPhase.Saving"/>).</summary>
    public bool SavePending(DateTimeOffset now) => this.PhaseAt(now, _ => false) == RecordPhase.Saving;

    /// <summary>Is the traced init still running (the same process, not a reused PID)?</summary>
    public bool InitIsAlive() => InitProcessLocator.IsSame(new InitProcess(Pid, "", PidStartTime));
}
