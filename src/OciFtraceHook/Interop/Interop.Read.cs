using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal const int EAGAIN = 11;
    internal const int EINTR = 4;

    internal const int O_NONBLOCK = 0x800;

    private static partial class Libc
    {

        [LibraryImport(Libraries.Libc, EntryPoint = "read", SetLastError = true)]
        internal static unsafe partial nint Read(SafeFileHandle fd, byte* buffer, nint count);
    }

    /// <summary>read(2) into <paramref name="buffer"/>: the count, or -1 with errno (EAGAIN on an
    /// empty non-blocking file).</summary>
    internal static unsafe nint Read(SafeFileHandle fd, Span<byte> buffer, out int errno)
    {
        fixed (byte* p = buffer)
        {
            var n = Libc.Read(fd, p, buffer.Length);
            errno = n < 0 ? Marshal.GetLastPInvokeError() : 0;
            return n;
        }
    }
}
