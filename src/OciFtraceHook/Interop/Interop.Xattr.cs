using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    private static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "fsetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int FSetXattr(SafeFileHandle fd, string name, byte[] value, nuint size, int flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "lgetxattr", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial nint LGetXattr(string path, string name, byte[] value, nuint size);
    }

    /// <summary>fsetxattr(2) on the open file <paramref name="file"/>; false with
    /// <paramref name="errno"/> set when it fails (ENOTSUP where the filesystem keeps no such
    /// attributes).</summary>
    internal static bool TrySetXattr(SafeFileHandle file, string name, byte[] value, out int errno)
    {
        var ok = Libc.FSetXattr(file, name, value, (nuint)value.Length, 0) == 0;
        errno = ok ? 0 : Marshal.GetLastPInvokeError();
        return ok;
    }

    /// <summary>lgetxattr(2) (a symlink's own, never its target's) into <paramref name="buffer"/>:
    /// the value's length, or -1 when the file has none, it does not fit, or it cannot be read.</summary>
    internal static int TryGetXattr(string path, string name, byte[] buffer)
    {
        var length = Libc.LGetXattr(path, name, buffer, (nuint)buffer.Length);
        return length < 0 ? -1 : (int)length;
    }
}
