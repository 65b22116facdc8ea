using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.SavedTraces;

/// <summary>Keeps the saved traces of every save directory within the administrator's disk budget,
/// fairly: first each container id's traces within its own limit (its oldest go first), then, while
/// all of them together exceed the total, the oldest trace of the container id holding the most
/// space goes, the trace just saved counted with its own id's. So a save never makes room for itself
/// with another id's traces: when its id holds the most, its own older traces go first, then the one
/// just saved (a trace larger than its id's limit, or than the whole budget, is dropped for itself;
/// the caller says so). Directories are opened by handle (no symlink followed, checked as
/// for saving) and traces removed with unlinkat in them, so a swapped path cannot turn the
/// budget into root deleting files elsewhere.</summary>
internal static class SavedTraceBudget
{
    /// <param name="Owner">The container id's stem (every start of one id shares it).</param>
    /// <param name="Tenant">Whose the container was (traces of older versions: its id's stem).</param>
    private sealed record SavedFile(SafeFileHandle Dir, string DirPath, string Name, long Length, DateTime Written, string Owner, string Tenant)
    {
        public string Path => System.IO.Path.Combine(DirPath, Name);
    }

    /// <param name="maxTotal">All directories together, bytes; 0: no limit.</param>
    /// <param name="maxPerContainer">One container id's traces, bytes; 0: no limit.</param>
    /// <param name="keep">The trace just saved: the last of its id's to go.</param>
    /// <param name="maxPerTenant">One tenant's traces, bytes (after each id's own limit); 0: no limit.</param>
    /// <returns>The files removed (<paramref name="keep"/> among them when it was dropped).</returns>
    public static IReadOnlyList<string> Enforce(IReadOnlyList<string> dirs, long maxTotal, long maxPerContainer, string keep, long maxPerTenant = 0)
    {
        if (maxTotal <= 0 && maxPerContainer <= 0 && maxPerTenant <= 0) return [];
        var handles = new List<SafeFileHandle>();
        try
        {
            var files = new List<SavedFile>();
            foreach (var dir in dirs.Distinct())
            {
                if (SaveDirectory.TryOpenExisting(dir) is not { } handle) continue; // nothing of ours to count there
                handles.Add(handle);
                files.AddRange(List(handle, dir));
            }
            var removed = new List<string>();
            var removable = files.OrderBy(f => f.Path == keep).ThenBy(f => f.Written).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
            var held = files.GroupBy(f => f.Owner).ToDictionary(g => g.Key, g => g.Sum(f => f.Length));
            var heldByTenant = files.GroupBy(f => f.Tenant).ToDictionary(g => g.Key, g => g.Sum(f => f.Length));
            var total = files.Sum(f => f.Length);

            void Remove(SavedFile file)
            {
                if (!Interop.TryUnlinkAt(file.Dir, file.Name, out _)) return; // gone meanwhile
                removable.Remove(file);
                held[file.Owner] -= file.Length;
                heldByTenant[file.Tenant] -= file.Length;
                total -= file.Length;
                removed.Add(file.Path);
            }

            if (maxPerContainer > 0)
            {
                foreach (var file in removable.ToList())
                {
                    if (held[file.Owner] > maxPerContainer) Remove(file);
                }
            }
            if (maxPerTenant > 0)
            {
                foreach (var file in removable.ToList())
                {
                    if (heldByTenant[file.Tenant] > maxPerTenant) Remove(file);
                }
            }
            while (maxTotal > 0 && total > maxTotal && removable.Count > 0)
            {
                var largest = removable.Select(f => f.Owner).Distinct().MaxBy(owner => held[owner])!;
                Remove(removable.First(f => f.Owner == largest));
            }
            return removed;
        }
        finally
        {
            foreach (var handle in handles) handle.Dispose();
        }
    }

    /// <summary>The saved traces in one open directory, each with its owner: the stem of the
    /// container id the trace itself names (the hook's option of a trace.dat, a text trace's first
    /// line), not the one its file name seems to start with: an id may be chosen to embed another
    /// id's stem ("victim-HASH") and so spend that id's share. Only root's regular files count (the
    /// hook writes them): one a tenant placed in a directory it may write cannot claim another's id.</summary>
    private static IEnumerable<SavedFile> List(SafeFileHandle dir, string dirPath)
    {
        var dirFd = Interop.ThreadSelfFdPath(dir);
        var tag = new byte[SavedTraceTag.MaxBytes];
        // Two syscalls a trace (an lstat, and the tag's getxattr), as every save lists every trace of
        // every save directory.
        foreach (var name in SavedTraceNames.NamesIn(dirFd))
        {
            var path = Path.Combine(dirFd, name);
            if (Interop.LStat(path) is not { IsRegularFile: true, Uid: 0 } status) continue; // a symlink is no regular file
            var (owner, tenant) = SavedTraceTag.Get(path, tag) is { } tagged ? tagged : OwnerOf(dir, name);
            owner ??= InstanceName.StemOf(name) ?? name;
            yield return new SavedFile(dir, dirPath, name, status.Size, status.ModifiedUtc, owner, tenant ?? owner);
        }
    }

    /// <summary>The stem of the id the trace names and its tenant, or nulls when it names none (read
    /// without following a symlink or blocking on anything that is no regular file).</summary>
    private static (string? Owner, string? Tenant) OwnerOf(SafeFileHandle dir, string name)
    {
        if (!Interop.TryOpenAt(dir, name, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_NOFOLLOW | Interop.O_NONBLOCK | Interop.OpenFlags.O_CLOEXEC, 0,
                out var handle, out _))
        {
            handle.Dispose();
            return (null, null);
        }
        using var stream = new FileStream(handle, FileAccess.Read, 1 << 12);
        var (id, _, tenant) = SavedTraceOwner.Read(stream);
        return InstanceName.StemOrNull(id) is { } owner ? (owner, tenant) : (null, null);
    }
}
