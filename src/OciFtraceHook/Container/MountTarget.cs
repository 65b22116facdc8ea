using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Container;

/// <summary>Decides whether the trace files may be shown at the mount path. Whatever is mounted on a
/// volume or on a mount with shared propagation is copied to the host and to every peer, and stays
/// there after the container ends; so the path must be one of the tracefs places (on the
/// runtime's own /sys) or a directory on the rootfs's own mount, and that mount must not be shared.</summary>
internal static class MountTarget
{
    /// <summary>Before anything is made: refuses a path that config.json's mounts put on a volume
    /// (a bind of a host directory, or any other mount except the runtime's sysfs under /sys).</summary>
    public static void RefuseVolumes(string mountPath, IEnumerable<MountConfig>? mounts)
    {
        foreach (var mount in mounts ?? [])
        {
            var destination = Normalize(mount.Destination);
            if (destination is null || !Covers(destination, mountPath)) continue;
            var isRuntimeSysfs = mount.Type == "sysfs" && destination == "/sys" && HookSettings.TraceFsMountPaths.Contains(mountPath);
            if (isRuntimeSysfs) continue;
            throw new HookException($"mount path {mountPath} is inside the container's mount at {destination} " +
                $"(type {mount.Type ?? "bind"}): the trace files go only on the container's root file system or at /sys/kernel/tracing");
        }
    }

    /// <summary>Inside the container's mount namespace, on handles: the path's mount is the rootfs's
    /// own (or, for the tracefs places, not the rootfs's, which is where sysfs is), and it is not
    /// shared with any other namespace.</summary>
    public static void Check(SafeFileHandle root, SafeFileHandle target, string mountPath)
    {
        var targetMount = ProcFiles.MountIdOf(target);
        var onRootfs = targetMount == ProcFiles.MountIdOf(root);
        if (!HookSettings.TraceFsMountPaths.Contains(mountPath) && !onRootfs)
            throw new HookException($"mount path {mountPath} is not on the container's root file system (another mount is there): refused, " +
                "the trace files would land on that mount");
        var optional = ProcFiles.PropagationOf(targetMount);
        if (optional.Contains("shared:", StringComparison.Ordinal))
            throw new HookException($"mount path {mountPath} is on a mount with shared propagation ({optional}) in the container: " +
                "what is mounted there would reach the host and its peers, refused");
    }

    private static bool Covers(string destination, string path) =>
        destination == "/" || path == destination || path.StartsWith(destination + "/", StringComparison.Ordinal);

    /// <summary>A destination as runc resolves it: relative to the root, "." and ".." removed.</summary>
    private static string? Normalize(string? destination)
    {
        if (string.IsNullOrEmpty(destination) || destination.Contains('\0')) return null;
        var parts = new List<string>();
        foreach (var part in destination.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (parts.Count > 0) parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }
}
