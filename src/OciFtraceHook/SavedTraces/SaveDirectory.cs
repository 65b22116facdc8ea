using System.Runtime.InteropServices;
using OciFtraceHook.Oci;

namespace OciFtraceHook.SavedTraces;

/// <summary>Where a container's trace may be saved. The directory can come from the container's
/// owner (an annotation), and the hook writes there as root: it must exist already (the host's
/// own save directory excepted), and neither it nor the real path behind its symlinks may be a system directory,
/// so an owner cannot make root drop files into /etc, /usr, /root and the like.</summary>
internal static class SaveDirectory
{
    private static readonly string[] SystemDirs =
    [
        "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root", "/run", "/sbin",
        "/sys", "/usr", "/var/lib", "/var/spool", "/var/log", "/var/cache", "/var/run",
    ];

    /// <summary>The real path to save into, or an error naming the annotation.</summary>
    public static string Check(string saveDir, string hostSaveDir = HookSettings.DefaultSaveDir)
    {
        // The administrator's directory (hook.conf, or the built-in one) is trusted and made on demand.
        if (saveDir == hostSaveDir) return saveDir;
        var real = RealPath(saveDir)
                   ?? throw Refused(saveDir, "it does not exist (create it first; only the default directory is made by the hook)");
        if (!Directory.Exists(real)) throw Refused(saveDir, "it is not a directory");
        foreach (var system in SystemDirs)
        {
            if (real == "/" || real == system || real.StartsWith(system + "/", StringComparison.Ordinal))
                throw Refused(saveDir, real == saveDir ? $"{system} is a system directory" : $"it leads to {real}, under {system}");
        }
        return real;
    }

    private static HookException Refused(string saveDir, string why) =>
        new($"annotation {HookSettings.SaveDirKey}={saveDir}: refused: {why}");

    private static string? RealPath(string path)
    {
        var resolved = Interop.Libc.RealPath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero) return null;
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Interop.Libc.Free(resolved);
        }
    }
}
