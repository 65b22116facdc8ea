using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal const int CLONE_FS = 0x00000200;
    internal const int CLONE_NEWNS = 0x00020000;

    private static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "setns", SetLastError = true)]
        internal static partial int SetNs(SafeFileHandle fd, int nsType);

        [LibraryImport(Libraries.Libc, EntryPoint = "unshare", SetLastError = true)]
        internal static partial int Unshare(int flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "fchdir", SetLastError = true)]
        internal static partial int FChDir(SafeFileHandle fd);
    }

    /// <summary>unshare(2): with CLONE_FS, gives the calling thread its own root and working
    /// directory, which setns(CLONE_NEWNS) requires of a thread in a multi-threaded process.</summary>
    internal static void Unshare(int flags, string shownAs) => Check(Libc.Unshare(flags), "unshare", shownAs);

    /// <summary>setns(2) of the calling thread into the namespace <paramref name="ns"/> holds.</summary>
    internal static void SetNs(SafeFileHandle ns, int type, string shownPath) => Check(Libc.SetNs(ns, type), "setns", shownPath);

    /// <summary>fchdir(2): the calling thread's working directory becomes the one the handle holds.</summary>
    internal static void FChDir(SafeFileHandle dir, string shownPath) => Check(Libc.FChDir(dir), "fchdir", shownPath);
}
