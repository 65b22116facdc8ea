using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Container;

/// <summary>The trace mounts through the mount API of Linux 5.2, as runc 1.2 attaches its prepared
/// binds: open_tree(OPEN_TREE_CLONE) of each instance file on the host gives a detached mount of
/// just that file; fsopen/fsmount gives a detached tmpfs, whose placeholder files are made while no
/// one else can see it; move_mount attaches the tmpfs onto the handle of the mount path, then each
/// file onto its placeholder. Nothing of tracefs but those files ever enters the container.</summary>
internal static class DetachedTraceMounts
{
    private const uint TmpfsAttributes = Interop.MOUNT_ATTR_NOSUID | Interop.MOUNT_ATTR_NODEV | Interop.MOUNT_ATTR_NOEXEC;

    /// <summary>Detached clones of the instance's files, or null on a kernel without the API (ENOSYS).</summary>
    public static IReadOnlyList<(TraceFile File, SafeFileHandle Mount)>? TryCloneFiles(TraceInstance instance, IReadOnlyList<TraceFile> files)
    {
        var clones = new List<(TraceFile, SafeFileHandle)>();
        try
        {
            foreach (var file in files) clones.Add((file, Interop.OpenTreeClone(instance.FilePath(file.Name))));
            return clones;
        }
        catch (SyscallException e) when (e.Errno == Interop.ENOSYS && clones.Count == 0)
        {
            return null;
        }
        catch
        {
            foreach (var (_, mount) in clones) mount.Dispose();
            throw;
        }
    }

    /// <summary>Must run inside the container's mount namespace (<see cref="MountNamespace"/>).</summary>
    public static void Attach(SafeFileHandle target, string mountPath, IReadOnlyList<(TraceFile File, SafeFileHandle Mount)> clones)
    {
        using var tmpfs = Interop.NewDetachedMount("tmpfs", [("source", TraceMounts.SourceName), ("mode", "0755"), ("size", "16k"), ("nr_inodes", "32")], TmpfsAttributes);
        foreach (var (file, _) in clones) TraceMounts.CreatePlaceholder(tmpfs, file.Name, TraceMounts.Join(mountPath, file.Name));
        Interop.MoveMount(tmpfs, target, mountPath + " (in the container)");
        try
        {
            // Private before anything goes on it: the file mounts below never propagate anywhere.
            Interop.Mount(null, MountNamespace.HandlePath(tmpfs), null, MountFlags.Private, null, mountPath);
            foreach (var (file, mount) in clones)
            {
                var inside = TraceMounts.Join(mountPath, file.Name);
                using (var placeholder = TraceMounts.OpenBelow(tmpfs, file.Name, 0, inside))
                {
                    Interop.MoveMount(mount, placeholder, inside + " (in the container)");
                }
                TraceMounts.Seal(mount, file, inside);
            }
            Interop.Mount(null, MountNamespace.HandlePath(tmpfs), null, MountFlags.Remount | MountFlags.ReadOnly | TraceMounts.Secure,
                "mode=0755", mountPath);
        }
        catch (Exception e) when (e is SyscallException or HookException)
        {
            throw TraceMounts.Undo(tmpfs, mountPath, e);
        }
    }
}
