using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;
using static Interop.OpenFlags;

namespace OciFtraceHook.Container;

/// <summary>Shows single instance files inside the container, at prestart (its rootfs not yet
/// pivoted): a small tmpfs over the mount path, made private before anything goes on it, holding
/// one file per instance file with that file mounted on it; then the tmpfs is made read-only. The
/// container sees those files and nothing else of tracefs, and none of it is visible anywhere else.
/// <list type="bullet">
/// <item>From Linux 5.2: every piece is a detached mount held by a handle (see
/// <see cref="DetachedTraceMounts"/>); nothing is ever mounted at a path before it is complete.</item>
/// <item>Before 5.2 (ENOSYS): mount(2) on /proc/thread-self/fd/N of handles (see
/// <see cref="LegacyTraceMounts"/>).</item>
/// </list>
/// Every target is a handle opened inside the rootfs without following symlinks (see
/// <see cref="RootfsPath"/>), never a path string the container could swap; every mount call's
/// result is checked, and what was mounted is detached again when a later step fails.</summary>
internal static class TraceMounts
{
    public const MountFlags Secure = MountFlags.NoSuid | MountFlags.NoDev | MountFlags.NoExec;

    /// <summary>The tmpfs's source in mountinfo, so that its mounts can be told from others'.</summary>
    public const string SourceName = "oci-ftrace-hook";

    /// <summary>Set by OCI_FTRACE_HOOK_LEGACY_MOUNTS=1 (tests) to take the path of kernels
    /// before 5.2 on a kernel that has the new mount API.</summary>
    internal static bool ForceLegacy { get; } = Environment.GetEnvironmentVariable("OCI_FTRACE_HOOK_LEGACY_MOUNTS") == "1";

    public static void Mount(int initPid, string rootfs, string mountPath, TraceInstance instance, IReadOnlyList<TraceFile> files,
        IEnumerable<MountConfig>? configMounts)
    {
        MountTarget.RefuseVolumes(mountPath, configMounts);
        // Clones of the instance's files are taken here, in the host's namespace: a mount can only
        // be cloned from the namespace it is in, and the container's has no tracefs.
        var clones = ForceLegacy ? null : DetachedTraceMounts.TryCloneFiles(instance, files);
        try
        {
            MountNamespace.Run(initPid, () =>
            {
                using var root = OpenContainerRoot(rootfs);
                using var target = RootfsPath.OpenOrCreateDirectory(root, mountPath);
                MountTarget.Check(root, target, mountPath);
                if (clones is not null) DetachedTraceMounts.Attach(target, mountPath, clones);
                else LegacyTraceMounts.Attach(root, target, mountPath, instance.Name, files);
            });
        }
        finally
        {
            if (clones is not null)
                foreach (var clone in clones) clone.Mount.Dispose();
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

    /// <summary>An empty file, mode 0444, that an instance file is then mounted on.</summary>
    internal static void CreatePlaceholder(SafeFileHandle dir, string name, string shownAs)
    {
        Interop.OpenAt(dir, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, "create", shownAs, mode: 0x124 /* 0444 */).Dispose();
    }

    internal static SafeFileHandle OpenBelow(SafeFileHandle dir, string name, int flags, string shownAs) =>
        Interop.OpenAt(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC | flags, "open", shownAs);

    /// <summary>A mounted instance file: private (so nothing it receives or sends crosses
    /// namespaces), then read-only unless the container may write it.</summary>
    internal static void Seal(SafeFileHandle mounted, TraceFile file, string shownAs)
    {
        var path = MountNamespace.HandlePath(mounted);
        Interop.Mount(null, path, null, MountFlags.Private, null, shownAs);
        var flags = MountFlags.Bind | MountFlags.Remount | Secure | (file.Writable ? MountFlags.None : MountFlags.ReadOnly);
        Interop.Mount(null, path, null, flags, null, shownAs);
    }

    /// <summary>Undoes the tmpfs (and all below it) after a failure; a failure here is added to the
    /// first one rather than hiding it.</summary>
    internal static HookException Undo(SafeFileHandle tmpfs, string mountPath, Exception failure)
    {
        try
        {
            Interop.Umount(MountNamespace.HandlePath(tmpfs), Interop.MNT_DETACH, mountPath + " (in the container)");
            return failure as HookException ?? new HookException(failure.Message, failure);
        }
        catch (SyscallException e)
        {
            return new HookException($"{failure.Message}; and undoing failed: {e.Message}", failure);
        }
    }

    internal static string Join(string dir, string name) => dir.TrimEnd('/') + "/" + name;
}
