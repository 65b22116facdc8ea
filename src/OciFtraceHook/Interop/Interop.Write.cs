using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    private static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "write", SetLastError = true)]
        internal static unsafe partial nint Write(SafeFileHandle fd, byte* buffer, nint count);
    }

    /// <summary>One write(2) of all of <paramref name="bytes"/>: tracefs control files take a value
    /// per write and answer a bad one with its errno (EINVAL, EBUSY), which this keeps.</summary>
    internal static unsafe void WriteOnce(SafeFileHandle fd, ReadOnlySpan<byte> bytes, string path)
    {
        fixed (byte* p = bytes)
        {
            var n = Libc.Write(fd, p, bytes.Length);
            if (n < 0) throw Error("write", path);
            if (n != bytes.Length) throw new SyscallException($"write (short: {n} of {bytes.Length} bytes)", path, EIO);
        }
    }

    /// <summary>rmdir(2) of an absolute path; false when it was already gone.</summary>
    internal static bool RemoveDirectory(string path)
    {
        if (Libc.UnlinkAt(AT_FDCWD, path, AT_REMOVEDIR) == 0) return true;
        var error = Error("rmdir", path);
        return error.Errno == ENOENT ? false : throw error;
    }
}
