using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    internal static partial class Libc
    {
        internal const uint STATX_TYPE = 0x0001;
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

        [LibraryImport(Libraries.Libc, EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Statx(SafeFileHandle dirFd, string path, int flags, uint mask, out StatxBuffer result);
    }

    /// <summary>How many names the open file has: 0 once it was deleted (a lock file replaced).</summary>
    internal static uint LinkCount(SafeFileHandle handle, string path)
    {
        Check(Libc.Statx(handle, "", Libc.AT_EMPTY_PATH, 0x7FF /* STATX_BASIC_STATS */, out var st), "statx", path);
        return st.NLink;
    }
}
