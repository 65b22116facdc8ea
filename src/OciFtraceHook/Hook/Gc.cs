using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Hook;

/// <summary>gc: finds our instances whose container is gone (a crash, a hook killed midway, a start
/// that failed after prestart and never got a poststop), saves each trace not saved yet, then
/// removes the instance and its record. Also all of every poststop but its stop, run detached.</summary>
internal static class Gc
{
    /// <summary>The container named for an instance whose record is gone (its state wiped by hand):
    /// no id a start could have had, so no save of it is tagged as another container's.</summary>
    private const string NoRecord = "(unknown: no record)";

    /// <returns>How many instances were collected.</returns>
    public static int CollectAll(TraceFs? traceFs, InstanceRecords records, string? onlyInstance, ILogger logger, HookConf host)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        if (traceFs is not null && Directory.Exists(traceFs.InstancesDir))
        {
            foreach (var dir in Directory.EnumerateDirectories(traceFs.InstancesDir))
            {
                var name = Path.GetFileName(dir);
                if (InstanceName.IsOurs(name)) names.Add(name);
            }
        }
        names.UnionWith(records.Names().Where(InstanceName.IsOurs));
        records.DeleteAbandonedTemporaries();
        if (onlyInstance is not null) names.IntersectWith([onlyInstance]);

        var collected = 0;
        foreach (var name in names)
        {
            try
            {
                if (Collect(traceFs?.Instance(name), name, records, logger, host)) collected++;
            }
            catch (Exception e)
            {
                // One instance that cannot be collected never keeps gc from the others.
                Log.GcFailed(logger, name, VerbGuard.OneLine(e));
            }
        }
        // Definitions left by a hook killed midway, once no instance uses them.
        if (onlyInstance is null) PathCapture.RemoveUnused(traceFs, logger);
        // Temporary files of saves killed halfway, once their writer has ended.
        if (onlyInstance is null)
        {
            foreach (var removed in AbandonedSaves.Remove(host.SaveDirs).Concat(AbandonedSaves.RemovePending(records.Dir)))
                Log.AbandonedSaveRemoved(logger, removed);
        }
        return collected;
    }

    /// <summary>Poststop's detached gc, first step: saves the trace of one instance whose container
    /// is gone, at once (the removal waits for quiet starts; the save has no reason to). Touches
    /// nothing when its container still runs, it is saved already, or another process is collecting it.</summary>
    public static void SaveEnded(TraceInstance? instance, string name, InstanceRecords records, ILogger logger, HookConf host)
    {
        using var held = records.TryLock(name);
        if (held is null) return;
        var record = records.Read(name);
        // Saving (its poststop's handover) or left behind: not running, not saved yet.
        if (record is null || record.Phase() is not (RecordPhase.Saving or RecordPhase.LeftBehind) || instance is null || !instance.Exists) return;
        var saved = StopAndSave(instance, record, records, logger, host);
        records.Write(name, record with { SavedTo = saved });
        records.DeleteFollowed(name);
        // Here, under this container's hook.conf: the instance may be removed by another
        // container's gc (one waits for all; see RemovalWaiter), which has its own.
        KeepBudget(saved, logger, host);
    }

    /// <summary>Saves (if not saved yet) and removes one instance whose container is gone. Returns
    /// false, touching nothing, when its container still runs or another process is collecting it.</summary>
    public static bool Collect(TraceInstance? instance, string name, InstanceRecords records, ILogger logger, HookConf host)
    {
        using var held = records.TryLock(name);
        if (held is null) return false;
        var record = records.Read(name);
        if (record is not null && record.Phase() == RecordPhase.Tracing) return false;
        // Saved here only when no gc saved it before (a container that ended without its poststop,
        // or one whose gc died): a save made by SaveEnded kept the budget then.
        string? savedHere = null;
        if (instance is not null && instance.Exists)
        {
            if (record is null || record.Phase() is RecordPhase.Saving or RecordPhase.LeftBehind) savedHere = StopAndSave(instance, record, records, logger, host);
            if (!TryRemove(instance, name, record, savedHere, records, logger, host))
            {
                if (savedHere is not null) KeepBudget(savedHere, logger, host);
                return false;
            }
            Log.Removed(logger, name);
            PathCapture.RemoveUnused(instance.TraceFs, logger);
        }
        // After the save, as in SaveEnded: listing every saved trace of every save directory is kept off
        // poststop's path, and this runs detached or in the timer's gc. Before the record goes: once
        // no record is left, the instance's work is all done.
        if (savedHere is not null) KeepBudget(savedHere, logger, host);
        records.Delete(name);
        records.DeleteFollowed(name);
        return true;
    }

    /// <summary>Removes the instance, or finds it held open (a descriptor of one of its files kept by
    /// some process, perhaps one a container passed out over a socket): then it is disarmed and
    /// shrunk (see TraceInstance.Disarm), its record says since when, the holders are named, and
    /// every later gc tries once more, quickly, until the descriptor is closed.</summary>
    private static bool TryRemove(TraceInstance instance, string name, InstanceRecord? record, string? savedHere, InstanceRecords records,
        ILogger logger, HookConf host)
    {
        try
        {
            instance.Remove(attempts: record?.Phase() == RecordPhase.Pinned ? 1 : 5);
            return true;
        }
        catch (SyscallException e) when (e.Errno == Interop.EBUSY)
        {
            if (record?.Phase() != RecordPhase.Pinned)
            {
                try
                {
                    instance.Disarm();
                }
                catch (Exception failed) when (failed is HookException or IOException or UnauthorizedAccessException)
                {
                    Log.DisarmFailed(logger, name, failed.Message);
                }
            }
            string[] files = ["trace", "trace_pipe", "trace_marker", "trace_marker_raw"];
            var holders = Processes.FileHolders.Of(instance.Dir, files.Select(instance.FilePath).ToList());
            Log.InstancePinned(logger, name, holders.Count == 0 ? "no process found (one that hides its descriptors?)"
                : string.Join(", ", holders.Select(h => $"pid {h.Pid} ({Printable.Line(h.Command, Printable.NameCap)})")));
            records.Write(name, (record ?? new InstanceRecord { ContainerId = NoRecord, SaveDir = host.SaveDir }) with
            {
                SavedTo = record?.SavedTo ?? savedHere, PinnedSince = record?.PinnedSince ?? DateTimeOffset.UtcNow, RingBufferBytes = 0,
            });
            return false;
        }
    }

    /// <summary>Events off (poststop turned only tracing_on off), then the save, as the record says.
    /// A save dropped for good (see SaveDroppedException) is said once and recorded as
    /// <see cref="DroppedSave"/>: the record moves on to Saved, so the instance is removed rather
    /// than kept, and tried again, for as long as the save's disk is full.</summary>
    private static string StopAndSave(TraceInstance instance, InstanceRecord? record, InstanceRecords records, ILogger logger, HookConf host)
    {
        instance.Stop();
        try
        {
            return WriteTrace(instance, record?.ContainerId ?? NoRecord, record?.SaveDir ?? host.SaveDir, record?.Name,
                records, logger, host, record?.Paths, record?.Tenant);
        }
        catch (SaveDroppedException e)
        {
            Log.SaveDropped(logger, e.Message);
            return DroppedSave;
        }
    }

    /// <summary>What a record's savedTo says of a save that was dropped: no file has this name.</summary>
    public const string DroppedSave = "(dropped: see the gc's log)";

    /// <summary>Removes old traces while the save directories exceed hook.conf's budget, fairly (see
    /// SavedTraceBudget): <paramref name="saved"/>, the one just saved, goes only when its own
    /// container's traces are over their share, and then says so.</summary>
    private static void KeepBudget(string saved, ILogger logger, HookConf host)
    {
        if (saved == DroppedSave) return;
        var size = File.Exists(saved) ? new FileInfo(saved).Length : 0;
        foreach (var removed in SavedTraceBudget.Enforce(host.SaveDirs, host.MaxSavedBytes, host.MaxSavedBytesPerContainer, keep: saved,
                     maxPerTenant: host.MaxSavedBytesPerTenant ?? host.MaxSavedBytes / 2))
        {
            if (removed == saved) Log.BudgetDroppedSaved(logger, removed, (size + (1 << 20) - 1) >> 20);
            else Log.BudgetRemoved(logger, removed);
        }
    }

    /// <summary>Saves a stopped instance's trace (with what `show --follow` took from it) and says
    /// so; Collect then keeps the save directories within their budget. The caller drops the follow
    /// spool once the save is recorded. A save directory that is no longer safe (a component swapped for a
    /// symlink, or the directory replaced by someone else's) is not written into: the trace goes to
    /// the host's own save directory instead.</summary>
    private static string WriteTrace(TraceInstance instance, string containerId, string saveDir, string? containerName,
        InstanceRecords records, ILogger logger, HookConf host, string? paths = null, string? tenant = null)
    {
        SafeFileHandle dir;
        try
        {
            dir = SaveDirectory.Open(saveDir, create: saveDir == host.SaveDir);
        }
        catch (Exception e) when (saveDir != host.SaveDir && e is HookException or IOException)
        {
            Log.SaveDirRefused(logger, containerId, e.Message, host.SaveDir);
            saveDir = host.SaveDir;
            dir = SaveDirectory.Open(saveDir, create: true);
        }
        string saved;
        long lost;
        using (dir)
        {
            // Copied raw from the ring buffer into a trace.dat, with the pages `show` took out of it
            // put back, and the formats of every event the pages hold (the path probes' too).
            // Text only where tracefs offers no raw pages to read (no events/header_page), or for
            // a follow spool of text left by an older version.
            var followed = records.FollowedPath(instance.Name);
            saved = File.Exists(followed) || !File.Exists(Path.Combine(instance.TraceFs.Root, "events", "header_page"))
                ? TextSave.Save(instance, containerId, dir, saveDir, DateTimeOffset.UtcNow, followed, out lost, containerName, paths, tenant)
                : TraceDatSave.Save(instance, containerId, dir, saveDir, DateTimeOffset.UtcNow, containerName,
                    Path.Combine(records.Dir, instance.Name + AbandonedSaves.PendingSuffix),
                    new EventFormatCatalog(Path.Combine(instance.TraceFs.Root, "events"), EventFormatCatalog.DefaultCachePath), out lost, paths,
                    records.SpoolPath(instance.Name), host.MaxPendingBytes, tenant);
        }
        Log.Saved(logger, containerId, saved);
        if (lost > 0) Log.LostEvents(logger, containerId, lost);
        return saved;
    }
}
