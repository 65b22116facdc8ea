using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal const uint CLOSE_RANGE_CLOEXEC = 4;
    internal const int PRIO_PROCESS = 0;

    private static partial class Libc
    {

        [LibraryImport(Libraries.Libc, EntryPoint = "umask")]
        internal static partial uint Umask(uint mask);

        [LibraryImport(Libraries.Libc, EntryPoint = "setsid", SetLastError = true)]
        internal static partial int SetSid();

        [LibraryImport(Libraries.Libc, EntryPoint = "dup2", SetLastError = true)]
        internal static partial int Dup2(SafeFileHandle oldFd, int newFd);

        [LibraryImport(Libraries.Libc, EntryPoint = "close_range", SetLastError = true)]
        internal static partial int CloseRange(uint first, uint last, uint flags);


        // On Linux both act on one thread (who 0: the calling thread), not the whole process.
        [LibraryImport(Libraries.Libc, EntryPoint = "getpriority", SetLastError = true)]
        internal static partial int GetPriority(int which, uint who);

        [LibraryImport(Libraries.Libc, EntryPoint = "setpriority", SetLastError = true)]
        internal static partial int SetPriority(int which, uint who, int prio);
    }

    /// <summary>Runs <paramref name="start"/> with the calling thread's nice value raised to at least
    /// <paramref name="nice"/>, then puts it back: a process forked meanwhile inherits the lower
    /// priority from its first instruction (it cannot lower its own before its runtime has
    /// started). Best effort: an error leaves the priority as it was.</summary>
    internal static T WithNiceAtLeast<T>(int nice, Func<T> start)
    {
        Marshal.SetLastPInvokeError(0);
        var before = Libc.GetPriority(PRIO_PROCESS, 0); // -1 is also a valid nice value: errno tells
        var known = before != -1 || Marshal.GetLastPInvokeError() == 0;
        var lowered = known && before < nice && Libc.SetPriority(PRIO_PROCESS, 0, nice) == 0;
        try
        {
            return start();
        }
        finally
        {
            if (lowered) Libc.SetPriority(PRIO_PROCESS, 0, before); // back up needs CAP_SYS_NICE: root's
        }
    }

    /// <summary>Marks every descriptor from 3 up close-on-exec, so a child started now inherits
    /// only its stdio. False where the kernel (before 5.11) or libc has no close_range: .NET opens
    /// its own descriptors close-on-exec anyway.</summary>
    internal static bool CloseOnExecFrom3()
    {
        try
        {
            return Libc.CloseRange(3, uint.MaxValue, CLOSE_RANGE_CLOEXEC) == 0;
        }
        catch (EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>umask(2); it cannot fail.</summary>
    internal static void SetUmask(uint mask) => Libc.Umask(mask);

    /// <summary>setsid(2): a new session and process group, away from the caller's terminal and
    /// its signals. False (EPERM) when this process already leads a group: nothing to leave then.</summary>
    internal static bool NewSession() => Libc.SetSid() >= 0;

    /// <summary>Puts <paramref name="handle"/> on descriptor <paramref name="fd"/> (stdio).</summary>
    internal static void Dup2(SafeFileHandle handle, int fd) => Check(Libc.Dup2(handle, fd), "dup2", $"fd {fd}");
}
