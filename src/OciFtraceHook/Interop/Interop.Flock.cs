using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;

    private static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "flock", SetLastError = true)]
        internal static partial int Flock(SafeFileHandle fd, int operation);
    }

    /// <summary>flock(LOCK_EX), waiting for it; held until the handle is closed.</summary>
    internal static void LockExclusive(SafeFileHandle handle, string path)
    {
        while (Libc.Flock(handle, LOCK_EX) != 0)
        {
            var error = Error("flock", path);
            if (error.Errno != EINTR) throw error;
        }
    }

    /// <summary>flock(LOCK_EX|LOCK_NB): false when another open file description holds it.</summary>
    internal static bool TryLockExclusive(SafeFileHandle handle, string path)
    {
        while (Libc.Flock(handle, LOCK_EX | LOCK_NB) != 0)
        {
            var error = Error("flock", path);
            if (error.Errno == EAGAIN) return false; // EWOULDBLOCK
            if (error.Errno != EINTR) throw error;
        }
        return true;
    }
}
