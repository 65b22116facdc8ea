using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    /// <summary>renameat2 fails with EEXIST instead of replacing the target.</summary>
    internal const uint RENAME_NOREPLACE = 1;

    private static partial class Libc
    {

        [LibraryImport(Libraries.Libc, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int RenameAt2(SafeFileHandle oldDirFd, string oldPath, SafeFileHandle newDirFd, string newPath, uint flags);
    }

    /// <summary>renameat2(2) of one name to another inside the directory <paramref name="dir"/> holds,
    /// whatever its path has become; false with <paramref name="errno"/> set when it fails.</summary>
    internal static bool TryRenameAt(SafeFileHandle dir, string from, string to, uint flags, out int errno)
    {
        var result = Libc.RenameAt2(dir, from, dir, to, flags);
        errno = result == 0 ? 0 : Marshal.GetLastPInvokeError();
        return result == 0;
    }

    /// <summary>unlinkat(2) of a file, reporting errno instead of throwing.</summary>
    internal static bool TryUnlinkAt(SafeFileHandle dir, string name, out int errno)
    {
        var ok = Libc.UnlinkAt(dir, name, 0) == 0;
        errno = ok ? 0 : Marshal.GetLastPInvokeError();
        return ok;
    }

    /// <summary>rmdir of the directory <paramref name="name"/> inside the one <paramref name="dir"/> holds.</summary>
    internal static void RemoveDirectoryAt(SafeFileHandle dir, string name, string shownPath) =>
        Check(Libc.UnlinkAt(dir, name, AT_REMOVEDIR), "rmdir", shownPath);

    /// <summary>unlinkat(2) of a file (never a directory, never through a symlink) inside the
    /// directory <paramref name="dir"/> holds; false when it was already gone.</summary>
    internal static bool UnlinkAt(SafeFileHandle dir, string name, string shownPath)
    {
        if (Libc.UnlinkAt(dir, name, 0) == 0) return true;
        var error = Error("unlink", shownPath);
        return error.Errno == ENOENT ? false : throw error;
    }
}
