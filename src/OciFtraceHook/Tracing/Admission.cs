namespace OciFtraceHook.Tracing;

/// <summary>Whether one more start may be traced, decided under one host-wide lock so that
/// concurrent prestarts are counted one after another: a running container's id is never traced
/// twice. The record is written before the lock is released, so the next prestart counts it.</summary>
internal static class Admission
{
    /// <summary>Admits the start and writes its record, or throws saying why not.</summary>
    public static void Admit(InstanceRecords records, string instanceName, InstanceRecord record)
    {
        using var _ = records.LockAdmission(TimeSpan.FromSeconds(10));
        var live = records.All().Where(r => r.Record.SavedTo is null && r.Record.InitIsAlive()).ToList();
        if (live.FirstOrDefault(r => r.Record.ContainerId == record.ContainerId) is { Name: not null } same)
            throw new HookException($"container id {record.ContainerId} is already traced by a running container " +
                                    $"(pid {same.Record.Pid}, instance {same.Name})");
        records.Write(instanceName, record);
    }
}
