using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal const int EAGAIN = 11;
    internal const int EINTR = 4;

    internal static partial class Libc
    {
        internal const int O_NONBLOCK = 0x800;

        [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
        internal static unsafe partial nint Read(SafeFileHandle fd, byte* buffer, nint count);
    }
}
