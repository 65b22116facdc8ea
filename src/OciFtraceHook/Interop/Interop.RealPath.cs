using System.Runtime.InteropServices;

internal static partial class Interop
{
    internal static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr RealPath(string path, IntPtr resolved);

        [LibraryImport(Libraries.Libc, EntryPoint = "free")]
        internal static partial void Free(IntPtr pointer);
    }
}
