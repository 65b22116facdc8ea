using Microsoft.Win32.SafeHandles;
using static Interop.OpenFlags;

namespace OciFtraceHook.Container;

/// <summary>The trace mounts on kernels before 5.2, with mount(2) on /proc/thread-self/fd/N of
/// handles. A mount can only be bound from the namespace it is in, so tracefs is mounted once more
/// for the binds: in a directory of mode 0700 inside the new tmpfs, which is private before that
/// mount is made, so neither it nor anything else propagates; it is unmounted (and the directory
/// removed) before the container's program exists, and both results are checked.</summary>
internal static class LegacyTraceMounts
{
    private const string Staging = ".tracefs";

    /// <summary>Must run inside the container's mount namespace (<see cref="MountNamespace"/>).</summary>
    public static void Attach(SafeFileHandle root, SafeFileHandle target, string mountPath, string instanceName, IReadOnlyList<TraceFile> files)
    {
        var targetMount = ProcFiles.MountIdOf(target);
        Interop.Mount(TraceMounts.SourceName, MountNamespace.HandlePath(target), "tmpfs", TraceMounts.Secure, "mode=0755,size=16k,nr_inodes=32",
            mountPath + " (in the container)");
        // The tmpfs's root, looked up again the same safe way (the old handle names the directory below it).
        using var tmpfs = RootfsPath.Open(root, mountPath, directory: true);
        if (ProcFiles.MountIdOf(tmpfs) == targetMount)
            throw new HookException($"the tmpfs mounted at {mountPath} is not found there (something else was mounted on it)");
        try
        {
            Interop.Mount(null, MountNamespace.HandlePath(tmpfs), null, MountFlags.Private, null, mountPath);
            BindFiles(tmpfs, mountPath, instanceName, files);
            Interop.Mount(null, MountNamespace.HandlePath(tmpfs), null, MountFlags.Remount | MountFlags.ReadOnly | TraceMounts.Secure,
                "mode=0755", mountPath);
        }
        catch (Exception e) when (e is SyscallException or HookException)
        {
            throw TraceMounts.Undo(tmpfs, mountPath, e);
        }
    }

    private static void BindFiles(SafeFileHandle dir, string mountPath, string instanceName, IReadOnlyList<TraceFile> files)
    {
        var staging = TraceMounts.Join(mountPath, Staging);
        Interop.MkdirAt(dir, Staging, 0x1C0 /* 0700 */, staging, existingIsFine: false);
        using (var stagingDir = TraceMounts.OpenBelow(dir, Staging, O_DIRECTORY, staging))
        {
            Interop.Mount("nodev", MountNamespace.HandlePath(stagingDir), "tracefs", TraceMounts.Secure, null, staging);
        }
        using (var tracefs = TraceMounts.OpenBelow(dir, Staging, O_DIRECTORY, staging))
        {
            foreach (var file in files)
            {
                var inside = TraceMounts.Join(mountPath, file.Name);
                TraceMounts.CreatePlaceholder(dir, file.Name, inside);
                using (var placeholder = TraceMounts.OpenBelow(dir, file.Name, 0, inside))
                {
                    var source = $"{MountNamespace.HandlePath(tracefs)}/instances/{instanceName}/{file.Name}";
                    Interop.Mount(source, MountNamespace.HandlePath(placeholder), null, MountFlags.Bind, null, inside);
                }
                using var bound = TraceMounts.OpenBelow(dir, file.Name, 0, inside);
                TraceMounts.Seal(bound, file, inside);
            }
            Interop.Umount(MountNamespace.HandlePath(tracefs), Interop.MNT_DETACH, staging);
        }
        Interop.RemoveDirectoryAt(dir, Staging, staging);
    }
}
