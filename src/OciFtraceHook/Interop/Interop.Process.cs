using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const uint CLOSE_RANGE_CLOEXEC = 4;

        [LibraryImport(Libraries.Libc, EntryPoint = "umask")]
        internal static partial uint Umask(uint mask);

        [LibraryImport(Libraries.Libc, EntryPoint = "setsid", SetLastError = true)]
        internal static partial int SetSid();

        [LibraryImport(Libraries.Libc, EntryPoint = "dup2", SetLastError = true)]
        internal static partial int Dup2(SafeFileHandle oldFd, int newFd);

        [LibraryImport(Libraries.Libc, EntryPoint = "close_range", SetLastError = true)]
        internal static partial int CloseRange(uint first, uint last, uint flags);
    }

    /// <summary>Marks every descriptor from 3 up close-on-exec, so a child started now inherits
    /// only its stdio. False where the kernel (before 5.11) or libc has no close_range: .NET opens
    /// its own descriptors close-on-exec anyway.</summary>
    internal static bool CloseOnExecFrom3()
    {
        try
        {
            return Libc.CloseRange(3, uint.MaxValue, Libc.CLOSE_RANGE_CLOEXEC) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Puts <paramref name="handle"/> on descriptor <paramref name="fd"/> (stdio).</summary>
    internal static void Dup2(SafeFileHandle handle, int fd) => Check(Libc.Dup2(handle, fd), "dup2", $"fd {fd}");
}
