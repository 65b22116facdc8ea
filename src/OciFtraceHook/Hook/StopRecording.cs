using System.Globalization;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Hook;

/// <summary>stop-recording: the background half of the stop-after annotation. Waits the given
/// time, then turns the container's recording off for good (tracing off, its syscall events
/// disabled), so it no longer taxes every system call on the host; the ring buffer keeps what it
/// recorded, for `show` and for poststop's save. Ends early, touching nothing, when the container
/// ends first or its instance is another container's by then.</summary>
internal static class StopRecording
{
    public const string Verb = "stop-recording";

    /// <summary>Started by prestart, detached from the runtime's stdio.</summary>
    public static bool TryStart(string instanceName, TimeSpan after, out string why) =>
        DetachedGc.TryStartSelf([Verb, "--instance", instanceName, "--after", ((long)after.TotalSeconds).ToString(CultureInfo.InvariantCulture)], out why);

    /// <returns>Whether recording was stopped.</returns>
    public static bool Run(string instanceName, TimeSpan after, InstanceRecords records, Func<TraceInstance?> findInstance)
    {
        var owner = records.Read(instanceName);
        if (owner is null) return false;
        var deadline = DateTime.UtcNow + after;
        while (DateTime.UtcNow < deadline)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(500, Math.Max(1, (deadline - DateTime.UtcNow).TotalMilliseconds))));
            if (!StillTheSame(records.Read(instanceName), owner)) return false;
        }
        using var held = records.TryLock(instanceName);
        if (held is null || !StillTheSame(records.Read(instanceName), owner)) return false;
        var instance = findInstance();
        if (instance is null || !instance.Exists) return false;
        instance.Stop();
        return true;
    }

    /// <summary>The same container, still running, and not saved yet.</summary>
    private static bool StillTheSame(InstanceRecord? now, InstanceRecord owner) =>
        now is not null && now.ContainerId == owner.ContainerId && now.Pid == owner.Pid && now.PidStartTime == owner.PidStartTime
        && now.SavedTo is null && now.InitIsAlive();
}
