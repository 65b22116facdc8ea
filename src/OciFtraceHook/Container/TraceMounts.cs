using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Tables;
using static Interop.OpenFlags;

namespace OciFtraceHook.Container;

/// <summary>Shows single instance files inside the container, at prestart, from within the
/// container's mount namespace (its rootfs not yet pivoted): a small tmpfs is laid over the mount
/// path, one empty file is made per instance file and the instance file is bound onto it, then the
/// tmpfs is made read-only. The container sees those files and nothing else of tracefs.
/// Every target is a handle opened inside the rootfs (see <see cref="RootfsPath"/>), mounted on
/// through the host's /proc/thread-self/fd/N, never a path string the container could swap.</summary>
internal static class TraceMounts
{
    private const string Staging = ".tracefs";
    private const MountFlags Secure = MountFlags.NoSuid | MountFlags.NoDev | MountFlags.NoExec;

    /// <summary>Must run inside the container's mount namespace (<see cref="MountNamespace"/>).</summary>
    public static void Mount(string rootfs, string mountPath, string instanceName, IReadOnlyList<TraceFile> files)
    {
        using var root = OpenContainerRoot(rootfs);
        using (var target = RootfsPath.OpenOrCreateDirectory(root, mountPath))
        {
            DoMount("tmpfs", target, "tmpfs", Secure, "mode=0755,size=16k,nr_inodes=32", mountPath);
        }
        // From here on, undoing means detaching the tmpfs: everything else hangs below it.
        using var dir = RootfsPath.Open(root, mountPath, directory: true);
        try
        {
            BindFiles(dir, mountPath, instanceName, files);
            DoMount(null, dir, null, MountFlags.Remount | MountFlags.ReadOnly | Secure, "mode=0755", mountPath);
        }
        catch
        {
            Interop.Libc.Umount2(ProcFd(dir), MntDetach);
            throw;
        }
    }

    /// <summary>At prestart the rootfs is still at its bundle path in the container's namespace. A
    /// container already past pivot_root (the hook run by hand on a `runc create`d container, or as
    /// a later hook) has no such path any more: its root is then the namespace's own "/".</summary>
    private static SafeFileHandle OpenContainerRoot(string rootfs)
    {
        try
        {
            return RootfsPath.OpenRoot(rootfs);
        }
        catch (SyscallException e) when (e.Errno == Interop.ENOENT)
        {
            return RootfsPath.OpenRoot("/");
        }
    }

    private static void BindFiles(SafeFileHandle dir, string mountPath, string instanceName, IReadOnlyList<TraceFile> files)
    {
        // tracefs is mounted afresh inside this namespace (it is one superblock everywhere): the
        // host's tracefs mount cannot be the source of a bind here, it belongs to another namespace.
        Interop.Check(Interop.Libc.MkdirAt(dir, Staging, 0x1C0 /* 0700 */), "mkdir", Join(mountPath, Staging));
        using (var stagingDir = OpenBelow(dir, Staging, O_DIRECTORY, mountPath))
        {
            DoMount("nodev", stagingDir, "tracefs", Secure, null, Join(mountPath, Staging));
        }
        using var tracefs = OpenBelow(dir, Staging, O_DIRECTORY, mountPath);
        try
        {
            foreach (var file in files)
            {
                var inside = Join(mountPath, file.Name);
                var source = $"{ProcFd(tracefs)}/instances/{instanceName}/{file.Name}";
                CreatePlaceholder(dir, file.Name, inside);
                using (var placeholder = OpenBelow(dir, file.Name, 0, mountPath))
                {
                    DoMount(source, placeholder, null, MountFlags.Bind, null, inside);
                }
                using var bound = OpenBelow(dir, file.Name, 0, mountPath);
                var flags = MountFlags.Bind | MountFlags.Remount | Secure | (file.Writable ? MountFlags.None : MountFlags.ReadOnly);
                DoMount(null, bound, null, flags, null, inside);
            }
        }
        finally
        {
            Interop.Libc.Umount2(ProcFd(tracefs), MntDetach);
            Interop.Libc.UnlinkAt(dir, Staging, Interop.Libc.AT_REMOVEDIR);
        }
    }

    private static void CreatePlaceholder(SafeFileHandle dir, string name, string inside)
    {
        var fd = Interop.Check(Interop.Libc.OpenAt(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0x124 /* 0444 */),
            "create", inside);
        new SafeFileHandle((IntPtr)fd, ownsHandle: true).Dispose();
    }

    private static SafeFileHandle OpenBelow(SafeFileHandle dir, string name, int flags, string mountPath) =>
        new((IntPtr)Interop.Check(Interop.Libc.OpenAt(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | flags, 0),
            "open", Join(mountPath, name)), ownsHandle: true);

    private static void DoMount(string? source, SafeFileHandle target, string? type, MountFlags flags, string? data, string shownAs)
    {
        if (Interop.Libc.Mount(source, ProcFd(target), type, flags, data) < 0)
            throw Interop.Error($"mount {source ?? type ?? "(remount)"} flags={MountFlagNames.Format(flags)} on", shownAs + " (in the container)");
    }

    private static string ProcFd(SafeFileHandle handle) => MountNamespace.HandlePath(handle);

    private static string Join(string dir, string name) => dir.TrimEnd('/') + "/" + name;

    private const int MntDetach = 2;
}
