using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const int CLONE_FS = 0x00000200;
        internal const int CLONE_NEWNS = 0x00020000;

        [LibraryImport(Libraries.Libc, EntryPoint = "setns", SetLastError = true)]
        internal static partial int SetNs(SafeFileHandle fd, int nsType);

        [LibraryImport(Libraries.Libc, EntryPoint = "unshare", SetLastError = true)]
        internal static partial int Unshare(int flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "fchdir", SetLastError = true)]
        internal static partial int FChDir(SafeFileHandle fd);
    }
}
