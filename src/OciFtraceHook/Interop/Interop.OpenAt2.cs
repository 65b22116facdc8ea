using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        // openat2(2) has no glibc wrapper; its number is 437 on every architecture.
        internal const long SYS_openat2 = 437;

        internal const ulong RESOLVE_NO_XDEV = 0x01;
        internal const ulong RESOLVE_NO_MAGICLINKS = 0x02;
        internal const ulong RESOLVE_NO_SYMLINKS = 0x04;
        internal const ulong RESOLVE_BENEATH = 0x08;
        internal const ulong RESOLVE_IN_ROOT = 0x10;

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
}
