using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal const int AT_FDCWD = -100;
    internal const int AT_REMOVEDIR = 0x200;
    internal const int AT_EMPTY_PATH = 0x1000;

    private static partial class Libc
    {

        [LibraryImport(Libraries.Libc, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int OpenAt(SafeFileHandle dirFd, string path, int flags, int mode);

        [LibraryImport(Libraries.Libc, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int OpenAt(int dirFd, string path, int flags, int mode);

        [LibraryImport(Libraries.Libc, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial SafeFileHandle OpenAtHandle(SafeFileHandle dirFd, string path, int flags, int mode);

        [LibraryImport(Libraries.Libc, EntryPoint = "openat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial SafeFileHandle OpenAtHandle(int dirFd, string path, int flags, int mode);

        [LibraryImport(Libraries.Libc, EntryPoint = "mkdirat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int MkdirAt(SafeFileHandle dirFd, string path, int mode);

        [LibraryImport(Libraries.Libc, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int UnlinkAt(SafeFileHandle dirFd, string path, int flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "unlinkat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int UnlinkAt(int dirFd, string path, int flags);
    }

    /// <summary>openat(2) relative to <paramref name="dir"/>; a failure names the operation and the
    /// path (<paramref name="shownPath"/> when the relative name alone would not say which).</summary>
    internal static SafeFileHandle OpenAt(SafeFileHandle dir, string path, int flags, string operation, string? shownPath = null, int mode = 0)
    {
        var handle = Libc.OpenAtHandle(dir, path, flags, mode);
        if (!handle.IsInvalid) return handle;
        var error = Error(operation, shownPath ?? path);
        handle.Dispose();
        throw error;
    }

    /// <summary>open(2) of an absolute path (or one relative to the working directory).</summary>
    internal static SafeFileHandle Open(string path, int flags, string operation, int mode = 0)
    {
        var handle = Libc.OpenAtHandle(AT_FDCWD, path, flags, mode);
        if (!handle.IsInvalid) return handle;
        var error = Error(operation, path);
        handle.Dispose();
        throw error;
    }

    /// <summary>openat(2) that reports errno instead of throwing, for callers that act on it
    /// (EEXIST: pick another name; ENOENT: create it).</summary>
    internal static bool TryOpenAt(SafeFileHandle dir, string path, int flags, int mode, out SafeFileHandle handle, out int errno)
    {
        handle = Libc.OpenAtHandle(dir, path, flags, mode);
        errno = handle.IsInvalid ? Marshal.GetLastPInvokeError() : 0;
        return !handle.IsInvalid;
    }

    /// <summary>The same, for an absolute path.</summary>
    internal static bool TryOpen(string path, int flags, int mode, out SafeFileHandle handle, out int errno)
    {
        handle = Libc.OpenAtHandle(AT_FDCWD, path, flags, mode);
        errno = handle.IsInvalid ? Marshal.GetLastPInvokeError() : 0;
        return !handle.IsInvalid;
    }

    /// <summary>mkdirat(2); EEXIST is not an error when <paramref name="existingIsFine"/>.</summary>
    internal static void MkdirAt(SafeFileHandle dir, string name, int mode, string shownPath, bool existingIsFine)
    {
        if (Libc.MkdirAt(dir, name, mode) == 0) return;
        var error = Error("mkdir", shownPath);
        if (!(existingIsFine && error.Errno == EEXIST)) throw error;
    }

    /// <summary>mkdir(2) of an absolute path; EEXIST is an error (the caller wants a new directory).</summary>
    internal static void Mkdir(string path, int mode) => Check(Libc.MkdirAt(AtCwd, path, mode), "mkdir", path);

    /// <summary>The magic-link path of a handle, for calls that take a path (mount targets):
    /// /proc/thread-self/fd/N names the object the handle holds, never a path that can change.</summary>
    internal static string ThreadSelfFdPath(SafeHandle handle, string procRoot = "/proc") =>
        $"{procRoot}/thread-self/fd/{handle.DangerousGetHandle()}";
}
