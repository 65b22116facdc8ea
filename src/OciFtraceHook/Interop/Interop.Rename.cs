using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        /// <summary>renameat2 fails with EEXIST instead of replacing the target.</summary>
        internal const uint RENAME_NOREPLACE = 1;

        [LibraryImport(Libraries.Libc, EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);
    }
}
