using System.Runtime.InteropServices;

internal static partial class Interop
{
    private static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "realpath", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial IntPtr RealPath(string path, IntPtr resolved);

        [LibraryImport(Libraries.Libc, EntryPoint = "free")]
        internal static partial void Free(IntPtr pointer);
    }

    /// <summary>realpath(3): the canonical absolute path; a failure names the path and errno.</summary>
    internal static string RealPath(string path)
    {
        var resolved = Libc.RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) throw Error("realpath", path);
        try
        {
            return Marshal.PtrToStringUTF8(resolved)!;
        }
        finally
        {
            Libc.Free(resolved);
        }
    }
}
