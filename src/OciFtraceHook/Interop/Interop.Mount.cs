using System.Runtime.InteropServices;

internal static partial class Interop
{
    private static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Mount(string? source, string target, string? fileSystemType, OciFtraceHook.MountFlags flags, string? data);

        [LibraryImport(Libraries.Libc, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial int Umount2(string target, int flags);
    }

    /// <summary>mount(2); a failure names the operation with its flags spelled out, as runc's
    /// mountError does: <c>mount tmpfs flags=MS_NOSUID|MS_NODEV on /x: EPERM (...)</c>.</summary>
    internal static void Mount(string? source, string target, string? fileSystemType, OciFtraceHook.MountFlags flags, string? data,
        string shownAs)
    {
        if (Libc.Mount(source, target, fileSystemType, flags, data) < 0)
            throw Error($"mount {source ?? fileSystemType ?? "(change)"} flags={OciFtraceHook.MountFlagNames.Format(flags)} on", shownAs);
    }

    /// <summary>umount2(2) for cleanup that goes on when a mount is busy or gone.</summary>
    internal static bool TryUmount(string target, int flags) => Libc.Umount2(target, flags) == 0;

    internal static void Umount(string target, int flags, string shownAs)
    {
        if (Libc.Umount2(target, flags) < 0) throw Error("umount", shownAs);
    }
}
