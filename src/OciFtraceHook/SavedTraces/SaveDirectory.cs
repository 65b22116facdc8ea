using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Oci;
using static Interop.OpenFlags;

namespace OciFtraceHook.SavedTraces;

/// <summary>Where traces are saved: only directories the administrator allows in hook.conf
/// (save-dir, and allowed-save-dirs that an annotation may pick). The hook writes there as root, so
/// each use opens the directory by handle from "/" without following any symlink on the way
/// (openat2 RESOLVE_NO_SYMLINKS, or a walk on O_PATH|O_NOFOLLOW handles where the kernel has no
/// openat2), then checks that the directory is the hook's own (owned by it, writable by no one
/// else). A component swapped for a symlink, or a directory replaced by someone else's, is refused:
/// what is checked is what is written into.</summary>
internal static class SaveDirectory
{
    /// <summary>prestart: the directory a container asked for (an annotation, or the host's default)
    /// if hook.conf allows it, checked now so that a bad one refuses the start, not the save.</summary>
    public static string Choose(string requested, HookConf host)
    {
        if (!host.SaveDirs.Contains(requested))
            throw new HookException($"annotation {HookSettings.SaveDirKey}={requested}: refused: not a save directory hook.conf allows " +
                                    $"(allowed: {string.Join(", ", host.SaveDirs)})");
        if (requested == host.SaveDir) return requested; // the host's own: made on first save
        try
        {
            using var _ = Open(requested, create: false);
        }
        catch (Exception e) when (e is HookException or IOException)
        {
            throw new HookException($"annotation {HookSettings.SaveDirKey}={requested}: refused: {e.Message}", e);
        }
        return requested;
    }

    /// <summary>As <see cref="Open"/> without creating anything, for work over every save
    /// directory (the budget, gc): null when the directory is missing or not safe to act in, since
    /// nothing of the hook's can be there then.</summary>
    public static SafeFileHandle? TryOpenExisting(string dir)
    {
        try
        {
            return Open(dir, create: false);
        }
        catch (Exception e) when (e is HookException or IOException)
        {
            return null;
        }
    }

    /// <summary>Opens <paramref name="dir"/> (absolute) for reading and creating entries in, by
    /// handle, no symlink followed; with <paramref name="create"/> the missing components are made
    /// (0700). Throws when a component is a symlink or the directory is not the hook's own.</summary>
    public static SafeFileHandle Open(string dir, bool create, PathResolution resolution = PathResolution.Kernel)
    {
        if (!dir.StartsWith('/')) throw new HookException($"save directory {dir} is not an absolute path");
        var relative = dir.Trim('/');
        using var root = Interop.Open("/", O_PATH | O_DIRECTORY | O_CLOEXEC, "open");
        SafeFileHandle? handle = null;
        if (relative.Length == 0) throw Unsafe(dir, "the root directory is never a save directory");
        if (resolution == PathResolution.Kernel)
        {
            handle = Interop.TryOpenAt2(root, relative, O_RDONLY | O_DIRECTORY | O_CLOEXEC,
                Interop.RESOLVE_NO_SYMLINKS | Interop.RESOLVE_NO_MAGICLINKS, out var errno);
            if (handle is null && errno == Interop.ELOOP) throw Unsafe(dir, "a component is a symlink");
            if (handle is null && !(errno == Interop.ENOSYS || (errno == Interop.ENOENT && create)))
                throw new SyscallException("open save directory", dir, errno);
        }
        handle ??= Walk(root, relative, dir, create);
        try
        {
            CheckOwnerAndMode(handle, dir);
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>One component at a time on O_PATH|O_NOFOLLOW handles: a symlink is opened as itself
    /// and refused, never followed.</summary>
    private static SafeFileHandle Walk(SafeFileHandle root, string relative, string dir, bool create)
    {
        var current = Interop.OpenAt(root, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, "open", "/");
        foreach (var part in relative.Split('/'))
        {
            if (part is "" or "." or "..") throw Unsafe(dir, "empty, '.' and '..' components are not allowed");
            if (!Interop.TryOpenAt(current, part, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, out var next, out var errno))
            {
                next.Dispose();
                if (errno != Interop.ENOENT || !create)
                {
                    current.Dispose();
                    throw new SyscallException("open save directory", dir, errno);
                }
                Interop.MkdirAt(current, part, 0x1C0 /* 0700 */, dir, existingIsFine: true);
                next = Interop.OpenAt(current, part, O_PATH | O_NOFOLLOW | O_CLOEXEC, "open save directory", dir);
            }
            current.Dispose();
            current = next;
            var type = Stat(current, dir).Mode & Interop.S_IFMT;
            if (type == Interop.S_IFLNK)
            {
                current.Dispose();
                throw Unsafe(dir, "a component is a symlink");
            }
            if (type != Interop.S_IFDIR)
            {
                current.Dispose();
                throw Unsafe(dir, "a component is not a directory");
            }
        }
        using (current) return Interop.OpenAt(current, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, "open save directory", dir);
    }

    /// <summary>Saved traces hold what a container's calls reveal: the directory must be the
    /// hook's user's (root's) and writable by no one else.</summary>
    private static void CheckOwnerAndMode(SafeFileHandle handle, string dir)
    {
        var st = Stat(handle, dir);
        var owner = Interop.EffectiveUid;
        if (st.Uid != owner) throw Unsafe(dir, $"it is owned by uid {st.Uid}, not {owner}");
        if ((st.Mode & 0x12 /* 022 */) != 0) throw Unsafe(dir, $"it is writable by group or others (mode {Convert.ToString(st.Mode & 0xFFF, 8)})");
    }

    private static Interop.StatxBuffer Stat(SafeFileHandle handle, string dir) => Interop.Stat(handle, Interop.STATX_BASIC_STATS, dir);

    private static HookException Unsafe(string dir, string why) => new($"save directory {dir} is refused: {why}");
}
