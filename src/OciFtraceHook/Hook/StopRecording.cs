using System.Globalization;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Hook;

/// <summary>stop-recording: the background half of the stop-after annotation. Waits the given
/// time, or until the ring buffer first fills, then turns the container's recording off for good
/// (an exec trigger that has not fired yet dropped, tracing off, its syscall events disabled), so it no longer taxes every
/// system call on the host; the ring buffer keeps what it recorded, for `show` and for poststop's
/// save. Ends early, touching nothing, when the container ends first or its instance is another
/// container's by then.</summary>
internal static class StopRecording
{
    public const string Verb = "stop-recording";

    /// <summary>How often the buffer's fill is looked at: each look reads one small stats file per
    /// CPU. A buffer that fills in between drops what comes next (overwrite is off), so a late look
    /// only lets the events tax the host a little longer.</summary>
    public static readonly TimeSpan FullPollInterval = TimeSpan.FromMilliseconds(250);

    private static readonly TimeSpan DurationPollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>Started by prestart, detached from the runtime's stdio. <paramref name="after"/> null
    /// means when the buffer first fills.</summary>
    public static bool TryStart(string instanceName, TimeSpan? after, out string why) =>
        DetachedHook.TryStartSelf(after is { } duration
            ? [Verb, "--instance", instanceName, "--after", ((long)duration.TotalSeconds).ToString(CultureInfo.InvariantCulture)]
            : [Verb, "--instance", instanceName, "--when-full"], out why);

    /// <param name="after">How long to let it record; null: until its buffer first fills.</param>
    /// <param name="pollInterval">How often the container and the buffer are looked at (tests
    /// shorten it); the defaults above when null.</param>
    /// <returns>Whether recording was stopped.</returns>
    public static bool Run(string instanceName, TimeSpan? after, InstanceRecords records, Func<TraceInstance?> findInstance,
        TimeSpan? pollInterval = null)
    {
        var owner = records.Read(instanceName);
        if (owner is null) return false;
        var poll = pollInterval ?? (after is null ? FullPollInterval : DurationPollInterval);
        var deadline = after is { } duration ? DateTime.UtcNow + duration : DateTime.MaxValue;
        TraceInstance? instance = null;
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) break;
            Thread.Sleep(left < poll ? left : poll);
            // Checked right before each look at the instance: once the init has ended, poststop and
            // gc own it, and its files are left alone (one held open makes their rmdir fail with EBUSY).
            if (!StillTheSame(records.Read(instanceName), owner)) return false;
            if (after is not null) continue;
            instance ??= findInstance();
            if (instance is null) continue; // tracefs not found yet: look again next time
            if (!instance.Exists) return false;
            if (instance.HasFilled()) break;
        }
        // No record lock: poststop takes it without waiting and leaves a locked instance to gc, so
        // holding it here, even briefly, could cost the container its save at poststop. Stopping
        // twice is harmless, and the name is this start's alone.
        if (!StillTheSame(records.Read(instanceName), owner)) return false;
        instance ??= findInstance();
        if (instance is null || !instance.Exists) return false;
        instance.DisarmExecTrigger();
        instance.Stop();
        return true;
    }

    /// <summary>The same container, still running, and not saved yet.</summary>
    private static bool StillTheSame(InstanceRecord? now, InstanceRecord owner) =>
        now is not null && now.ContainerId == owner.ContainerId && now.Pid == owner.Pid && now.PidStartTime == owner.PidStartTime
        && now.Phase() == RecordPhase.Tracing;
}
