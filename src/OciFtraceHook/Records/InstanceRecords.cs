using Microsoft.Win32.SafeHandles;
using OciFtraceHook.HostFiles;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Records;

/// <summary>The records of live instances, one JSON file per instance name under /run (gone at
/// boot, like the instances themselves).</summary>
internal sealed class InstanceRecords(string dir = InstanceRecords.DefaultDir)
{
    public const string DefaultDir = "/run/oci-ftrace-hook/instances";

    public string Dir { get; } = dir;

    /// <summary>Makes the records' directory (and /run/oci-ftrace-hook above it) 0700 and checks both
    /// (the hook's own, real directories) before anything is written or trusted there.</summary>
    public void EnsureDir()
    {
        RunDirectory.Ensure(Path.GetDirectoryName(Dir)!);
        RunDirectory.Ensure(Dir);
    }

    public string PathFor(string instanceName) => Path.Combine(Dir, instanceName + ".json");

    /// <summary>Written whole (<see cref="AtomicFile"/>), so a reader never sees half a record.</summary>
    public void Write(string instanceName, InstanceRecord record)
    {
        EnsureDir();
        var json = record.ToJson();
        AtomicFile.Replace(PathFor(instanceName), output => output.Write(json), durable: false); // /run: memory
    }

    public InstanceRecord? Read(string instanceName)
    {
        try
        {
            var path = PathFor(instanceName);
            return JsonFields.Read(File.ReadAllBytes(path), path, InstanceRecord.FromJson);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or HookException)
        {
            return null;
        }
    }

    /// <summary>Removes temporary records whose writer is gone (a hook killed between write and rename).</summary>
    public void DeleteAbandonedTemporaries()
    {
        AtomicFile.RemoveAbandoned(Dir, name => name.EndsWith(".json", StringComparison.Ordinal));
    }

    public void Delete(string instanceName) => File.Delete(PathFor(instanceName));

    /// <summary>Every readable record, with its instance name.</summary>
    public IEnumerable<(string Name, InstanceRecord Record)> All()
    {
        foreach (var name in Names())
        {
            if (Read(name) is { } record) yield return (name, record);
        }
    }

    /// <summary>The records of one container id, newest start first.</summary>
    /// <param name="nameStem">The id's instance-name stem (Tracing.InstanceName.For), when the caller
    /// knows it: only records named by it are read (poststop then reads its own id's records, not
    /// every traced container's on the host).</param>
    public IEnumerable<(string Name, InstanceRecord Record)> OfContainer(string containerId, string? nameStem = null) =>
        Names()
            .Where(name => nameStem is null || (name.StartsWith(nameStem, StringComparison.Ordinal) && name.Length > nameStem.Length && name[nameStem.Length] == '-'))
            .Select(name => (Name: name, Record: Read(name)))
            .Where(r => r.Record?.ContainerId == containerId)
            .Select(r => (r.Name, Record: r.Record!))
            .OrderByDescending(r => r.Record.Created);

    /// <summary>Serialises prestarts' admission (host-wide limits, one live instance per id): held
    /// while one prestart counts the records and writes its own, so two prestarts at once cannot
    /// both see room for one more. A flock on the records' directory itself (no lock file to leave
    /// behind); admission is a few file reads, so waiting for it is short.</summary>
    public IDisposable LockAdmission()
    {
        EnsureDir();
        return FileLock.AcquireDirectory(Dir);
    }

    public IEnumerable<string> Names() =>
        Directory.Exists(Dir)
            ? Directory.EnumerateFiles(Dir, "*.json").Select(p => Path.GetFileNameWithoutExtension(p))
            : [];

    /// <summary>Holds an exclusive lock (flock) on the instance while one process collects it, so
    /// poststop's helper and a timer's gc never save or remove the same instance twice. Null when
    /// another process holds it. Its file goes with its release: a process that takes it after the
    /// instance was collected (and finds no record) leaves nothing behind.</summary>
    public IDisposable? TryLock(string instanceName)
    {
        EnsureDir();
        return TransientLock.TryAcquire(Path.Combine(Dir, instanceName + ".lock"));
    }

    /// <summary>Held by the one detached gc that waits for quiet starts to remove the instances of
    /// ended containers (see RemovalWaiter); null when another process holds it.</summary>
    public IDisposable? TryLockRemovals() => TryLockFile(RemovalsLock);

    /// <summary>Says that a saved instance waits for removal: the time is the mark (set, not the
    /// kernel's coarse clock), so the waiter can tell a mark made after it began collecting.</summary>
    public void MarkRemovalWanted(DateTime now)
    {
        EnsureDir();
        if (!File.Exists(RemovalWantedMarker)) File.WriteAllBytes(RemovalWantedMarker, []);
        File.SetLastWriteTimeUtc(RemovalWantedMarker, now);
    }

    public DateTime LastRemovalWanted()
    {
        return File.Exists(RemovalWantedMarker) ? File.GetLastWriteTimeUtc(RemovalWantedMarker) : DateTime.MinValue;
    }

    // Beside the records' directory (in /run/oci-ftrace-hook), not among the records: they stay.
    public string RemovalsLock => Path.Combine(Path.GetDirectoryName(Dir)!, "removals.lock");
    public string RemovalWantedMarker => Path.Combine(Path.GetDirectoryName(Dir)!, "removals.wanted");

    private SafeFileHandle? TryLockFile(string path)
    {
        EnsureDir();
        return FileLock.TryAcquire(path, TimeSpan.Zero);
    }

    /// <summary>Events `show --follow` consumed from trace_pipe, kept so that the saved trace still
    /// has them (trace_pipe removes what it returns from the ring buffer).</summary>
    public string FollowedPath(string instanceName) => Path.Combine(Dir, instanceName + ".followed");

    /// <summary>Ring-buffer pages `show --follow` consumed from trace_pipe_raw (see PageSpool).</summary>
    public string SpoolPath(string instanceName) => Path.Combine(Dir, instanceName + ".spool");

    public void DeleteFollowed(string instanceName)
    {
        File.Delete(FollowedPath(instanceName));
        File.Delete(SpoolPath(instanceName));
    }
}
