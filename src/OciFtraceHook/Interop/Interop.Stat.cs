using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal const uint STATX_TYPE = 0x0001;
    internal const uint STATX_BASIC_STATS = 0x07FF;
    internal const uint STATX_MNT_ID = 0x1000;
    internal const ushort S_IFMT = 0xF000;
    internal const ushort S_IFDIR = 0x4000;
    internal const ushort S_IFREG = 0x8000;
    internal const ushort S_IFLNK = 0xA000;

    // struct statx from <linux/stat.h>: the same layout on every architecture,
    // unlike struct stat. Only the leading fields are named; the rest is padding.
    [StructLayout(LayoutKind.Sequential, Size = 256)]
    internal struct StatxBuffer
    {
        public uint Mask;
        public uint BlkSize;
        public ulong Attributes;
        public uint NLink;
        public uint Uid;
        public uint Gid;
        public ushort Mode;
    }

    private static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Statx(SafeFileHandle dirFd, string path, int flags, uint mask, out StatxBuffer result);
    }

    /// <summary>statx(2) of the object <paramref name="handle"/> holds (AT_EMPTY_PATH), never of a path.</summary>
    internal static StatxBuffer Stat(SafeFileHandle handle, uint mask, string? shownPath)
    {
        Check(Libc.Statx(handle, "", AT_EMPTY_PATH, mask, out var st), "statx", shownPath);
        return st;
    }

    /// <summary>How many names the open file has: 0 once it was deleted (a lock file replaced).</summary>
    internal static uint LinkCount(SafeFileHandle handle, string path)
    {
        return Stat(handle, STATX_BASIC_STATS, path).NLink;
    }
}
