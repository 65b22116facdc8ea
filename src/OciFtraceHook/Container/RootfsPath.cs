using Microsoft.Win32.SafeHandles;
using static Interop.OpenFlags;

namespace OciFtraceHook.Container;

/// <summary>Opens paths inside a container's root without ever leaving it: the rootfs belongs
/// to the container's owner, so any component may be a symlink aimed at the host, and may be swapped
/// for one at any moment. A symlink anywhere in the path is refused (ELOOP), and the root is the
/// boundary for "..": openat2(RESOLVE_IN_ROOT|RESOLVE_NO_SYMLINKS) where the kernel has it, else
/// (before 5.6, some emulators) a walk on O_PATH|O_NOFOLLOW handles that checks each one. What
/// comes back is a handle: later steps act on it (/proc/thread-self/fd/N), never on the path again.</summary>
internal static class RootfsPath
{
    public static SafeFileHandle OpenRoot(string rootfs) =>
        Interop.Open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC, "open rootfs");

    /// <summary>Opens <paramref name="path"/> (absolute inside the container) as an O_PATH handle.</summary>
    public static SafeFileHandle Open(SafeFileHandle root, string path, bool directory, PathResolution resolution = PathResolution.Kernel)
    {
        var relative = path.TrimStart('/');
        if (relative.Length == 0) return Reopen(root);
        var flags = O_PATH | O_CLOEXEC | (directory ? O_DIRECTORY : 0);
        if (resolution == PathResolution.Kernel)
        {
            var handle = Interop.TryOpenAt2(root, relative, flags, Interop.RESOLVE_IN_ROOT | Interop.RESOLVE_NO_SYMLINKS | Interop.RESOLVE_NO_MAGICLINKS, out var errno);
            if (handle is not null) return handle;
            if (errno == Interop.ELOOP) throw new SyscallException("open in rootfs (a symlink in the path is refused)", path, errno);
            if (errno != Interop.ENOSYS) throw new SyscallException("openat2 in rootfs", path, errno);
        }
        return Walk(root, relative, flags, path);
    }

    /// <summary>Creates the missing directories of <paramref name="path"/> inside the root,
    /// each resolved the same safe way, and opens the last one.</summary>
    public static SafeFileHandle OpenOrCreateDirectory(SafeFileHandle root, string path, PathResolution resolution = PathResolution.Kernel)
    {
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "";
        SafeFileHandle? handle = null;
        foreach (var part in parts)
        {
            var parent = current.Length == 0 ? "/" : current;
            current += "/" + part;
            handle?.Dispose();
            try
            {
                handle = Open(root, current, directory: true, resolution);
            }
            catch (SyscallException e) when (e.Errno == Interop.ENOENT)
            {
                using var parentHandle = Open(root, parent, directory: true, resolution);
                // Another process may create it between the two opens: then it is simply there.
                Interop.MkdirAt(parentHandle, part, 0x1ED /* 0755 */, current, existingIsFine: true);
                handle = Open(root, current, directory: true, resolution);
            }
        }
        return handle ?? Reopen(root);
    }

    private static SafeFileHandle Walk(SafeFileHandle root, string relative, int flags, string path)
    {
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = Reopen(root);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part is "." or "..")
            {
                current.Dispose();
                throw new SyscallException("walk in rootfs (no '.' or '..' allowed)", path, Interop.EXDEV);
            }
            var last = i == parts.Length - 1;
            // O_PATH|O_NOFOLLOW (without O_DIRECTORY, which would fail first with ENOTDIR) opens a
            // symlink itself instead of following it: its type is checked before it is used.
            var opened = Interop.TryOpenAt(current, part, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, out var next, out var errno);
            current.Dispose();
            if (!opened)
            {
                next.Dispose();
                throw new SyscallException("walk in rootfs", path, errno);
            }
            current = next;
            var type = TypeOf(current);
            if (type == Interop.S_IFLNK)
            {
                current.Dispose();
                throw new SyscallException("open in rootfs (a symlink in the path is refused)", path, Interop.ELOOP);
            }
            if (type != Interop.S_IFDIR && (!last || (flags & O_DIRECTORY) != 0))
            {
                current.Dispose();
                throw new SyscallException("walk in rootfs", path, Interop.ENOTDIR);
            }
        }
        return current;
    }

    private static int TypeOf(SafeFileHandle handle)
    {
        return Interop.Stat(handle, Interop.STATX_TYPE, null).Mode & Interop.S_IFMT;
    }

    private static SafeFileHandle Reopen(SafeFileHandle handle) =>
        Interop.OpenAt(handle, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, "reopen");
}
