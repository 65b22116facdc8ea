using Microsoft.Win32.SafeHandles;
using static Interop.OpenFlags;

namespace OciFtraceHook.HostFiles;

/// <summary>The one lock between hook processes: flock(LOCK_EX) on a file (or a directory) of the
/// hook's own. The kernel drops it when its holder dies, so a killed hook never leaves a lock held;
/// it is held until the returned handle is closed.</summary>
internal static class FileLock
{
    /// <summary>How long a waiting taker polls between attempts.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);

    /// <summary>Opens <paramref name="path"/> (made 0600 when missing and <paramref name="create"/>)
    /// and locks it, waiting up to <paramref name="wait"/> for another holder (zero: not at all).
    /// Null when the lock was not had in time, or when the file is missing and not to be made. A
    /// lock file deleted while this waited for it is opened again by its name.</summary>
    public static SafeFileHandle? TryAcquire(string path, TimeSpan wait, bool create = true)
    {
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            var flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | (create ? O_CREAT : 0);
            if (!Interop.TryOpen(path, flags, 0x180 /* 0600 */, out var handle, out var errno))
            {
                handle.Dispose();
                if (errno == Interop.ENOENT && !create) return null;
                throw new SyscallException("open lock", path, errno);
            }
            var locked = Interop.TryLockExclusive(handle, path);
            if (locked && Interop.LinkCount(handle, path) > 0) return handle;
            handle.Dispose();
            if (locked) continue; // removed while this waited: the name may hold a new one
            if (DateTime.UtcNow >= deadline) return null;
            Thread.Sleep(Poll);
        }
    }

    /// <summary>As <see cref="TryAcquire"/>, and a lock not had in time is an error.</summary>
    public static SafeFileHandle Acquire(string path, TimeSpan wait) =>
        TryAcquire(path, wait) ?? throw new HookException($"{path} stayed locked by another process for {wait.TotalSeconds:0} s");

    /// <summary>Locks the directory <paramref name="dir"/> itself, waiting as long as it takes:
    /// for short critical sections that leave no lock file behind.</summary>
    public static SafeFileHandle AcquireDirectory(string dir)
    {
        var handle = Interop.Open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, "open");
        try
        {
            Interop.LockExclusive(handle, dir);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }
}
