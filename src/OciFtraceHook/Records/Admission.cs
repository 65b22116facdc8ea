using OciFtraceHook.Oci;

namespace OciFtraceHook.Records;

/// <summary>Whether one more start may be traced, decided under one host-wide lock so that
/// concurrent prestarts are counted one after another and cannot overshoot a limit together: a
/// running container's id is never traced twice, at most <see cref="Limits.MaxTracedContainers"/>
/// containers are traced at once, and the ring buffers of all instances stay within
/// <see cref="Limits.MaxRingBufferBytes"/>; one tenant's (see Oci.Tenant) within its own caps, so a
/// tenant at its cap is refused alone and leaves room for the others. The record is written before
/// the lock is released, so the next prestart counts it.</summary>
internal static class Admission
{
    /// <param name="MaxTracedContainers">0: no limit.</param>
    /// <param name="MaxRingBufferBytes">All instances that exist (running, or ended and not yet removed).</param>
    /// <param name="MaxTracedContainersPerTenant">0: no limit.</param>
    /// <param name="MaxRingBufferBytesPerTenant">0: no own cap.</param>
    internal sealed record Limits(int MaxTracedContainers, long MaxRingBufferBytes, int MaxTracedContainersPerTenant = 0, long MaxRingBufferBytesPerTenant = 0);

    /// <summary>Admits the start and writes its record, or throws saying why not. Returns false,
    /// writing nothing, when this very start has a record already (the hook named twice for it, by
    /// hooks.d and a CDI device, say: the instance name carries the start's init).</summary>
    /// <param name="others">The other records as read under the lock: prestart looks in them for
    /// containers left behind rather than reading every record a second time (a host with many
    /// traced containers pays per record, at every start).</param>
    public static bool Admit(InstanceRecords records, string instanceName, InstanceRecord record, Limits limits,
        out IReadOnlyList<(string Name, InstanceRecord Record)> others)
    {
        using var _ = records.LockAdmission();
        var all = records.All().ToList();
        others = all;
        if (all.Any(r => r.Name == instanceName)) return false;
        var live = all.Where(r => r.Record.Phase() == RecordPhase.Tracing).ToList();
        if (live.FirstOrDefault(r => r.Record.ContainerId == record.ContainerId) is { Name: not null } same)
            throw new HookException($"container id {record.ContainerId} is already traced by a running container " +
                                    $"(pid {same.Record.Pid}, instance {same.Name})");
        if (limits.MaxTracedContainers > 0 && live.Count >= limits.MaxTracedContainers)
            throw new HookException($"{live.Count} containers are traced already: max-traced-containers in hook.conf allows {limits.MaxTracedContainers}");
        var tenant = record.Tenant ?? "id=" + record.ContainerId;
        bool Mine(InstanceRecord r) => (r.Tenant ?? "id=" + r.ContainerId) == tenant;
        var liveOfTenant = live.Count(r => Mine(r.Record));
        if (limits.MaxTracedContainersPerTenant > 0 && liveOfTenant >= limits.MaxTracedContainersPerTenant)
            throw new HookException($"tenant {tenant} has {liveOfTenant} containers traced already: max-traced-containers-per-tenant in hook.conf " +
                                    $"allows {limits.MaxTracedContainersPerTenant}");
        var heldByTenant = all.Where(r => Mine(r.Record)).Sum(r => r.Record.RingBufferBytes);
        if (limits.MaxRingBufferBytesPerTenant > 0 && heldByTenant + record.RingBufferBytes > limits.MaxRingBufferBytesPerTenant)
            throw new HookException($"its ring buffer ({Mib(record.RingBufferBytes)} MiB, all CPUs) would bring tenant {tenant}'s instances to " +
                                    $"{Mib(heldByTenant + record.RingBufferBytes)} MiB: max-ring-buffer-mb-per-tenant in hook.conf allows " +
                                    $"{Mib(limits.MaxRingBufferBytesPerTenant)} MiB (ask for less with {HookSettings.BufferSizeKey})");
        var held = all.Sum(r => r.Record.RingBufferBytes);
        if (held + record.RingBufferBytes > limits.MaxRingBufferBytes)
            throw new HookException($"its ring buffer ({Mib(record.RingBufferBytes)} MiB, all CPUs) would bring the instances on this host to " +
                                    $"{Mib(held + record.RingBufferBytes)} MiB: max-ring-buffer-mb in hook.conf allows {Mib(limits.MaxRingBufferBytes)} MiB " +
                                    $"(ask for less with {HookSettings.BufferSizeKey})");
        records.Write(instanceName, record);
        return true;
    }

    private static long Mib(long bytes) => (bytes + (1 << 20) - 1) >> 20;
}
