using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    // openat2(2) has no glibc wrapper; its number is 437 on every architecture.
    internal const long SYS_openat2 = 437;
    internal const ulong RESOLVE_NO_XDEV = 0x01;
    internal const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    internal const ulong RESOLVE_NO_SYMLINKS = 0x04;
    internal const ulong RESOLVE_BENEATH = 0x08;
    internal const ulong RESOLVE_IN_ROOT = 0x10;

    private static partial class Libc
    {


        [StructLayout(LayoutKind.Sequential)]
        internal struct OpenHow
        {
            public ulong Flags;
            public ulong Mode;
            public ulong Resolve;
        }

        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static unsafe partial long SyscallOpenAt2(long number, int dirFd, string path, OpenHow* how, nuint size);
    }

    /// <summary>openat2(2) with <paramref name="resolve"/> restrictions; null with errno set when it
    /// fails (ENOSYS: a kernel before 5.6, where callers walk instead).</summary>
    internal static unsafe SafeFileHandle? TryOpenAt2(SafeFileHandle dir, string path, int flags, ulong resolve, out int errno)
    {
        var how = new Libc.OpenHow { Flags = (ulong)flags, Resolve = resolve };
        var added = false;
        try
        {
            dir.DangerousAddRef(ref added);
            var fd = Libc.SyscallOpenAt2(SYS_openat2, (int)dir.DangerousGetHandle(), path, &how, (nuint)sizeof(Libc.OpenHow));
            errno = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
            return fd < 0 ? null : new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        }
        finally
        {
            if (added) dir.DangerousRelease();
        }
    }
}
