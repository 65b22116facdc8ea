using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    /// <summary>The mount API of Linux 5.2 (open_tree, move_mount, fsopen, fsconfig, fsmount): mounts
    /// made as detached objects held by a handle, attached onto a handle, never at a path that someone
    /// else could see or swap in between. No glibc wrappers: called through syscall(2). The numbers
    /// come from the generic table and are the same on x86_64 and arm64; a kernel before 5.2 answers
    /// ENOSYS.</summary>
    internal const long SYS_open_tree = 428;
    internal const long SYS_move_mount = 429;
    internal const long SYS_fsopen = 430;
    internal const long SYS_fsconfig = 431;
    internal const long SYS_fsmount = 432;
    internal const uint OPEN_TREE_CLONE = 0x1;
    internal const uint OPEN_TREE_CLOEXEC = 0x80000; // O_CLOEXEC, the same on x86_64 and arm64
    internal const uint AT_SYMLINK_NOFOLLOW = 0x100;
    internal const uint MOVE_MOUNT_F_EMPTY_PATH = 0x04;
    internal const uint MOVE_MOUNT_T_EMPTY_PATH = 0x40;
    internal const uint FSOPEN_CLOEXEC = 0x1;
    internal const uint FSCONFIG_SET_STRING = 1;
    internal const uint FSCONFIG_CMD_CREATE = 6;
    internal const uint FSMOUNT_CLOEXEC = 0x1;
    internal const uint MOUNT_ATTR_NOSUID = 0x02;
    internal const uint MOUNT_ATTR_NODEV = 0x04;
    internal const uint MOUNT_ATTR_NOEXEC = 0x08;
    internal const int MNT_DETACH = 2;

    private static partial class Libc
    {






        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial long SyscallOpenTree(long number, SafeFileHandle dirFd, string path, uint flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial long SyscallMoveMount(long number, SafeFileHandle fromDirFd, string fromPath, SafeFileHandle toDirFd,
            string toPath, uint flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial long SyscallFsOpen(long number, string fileSystem, uint flags);

        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
        internal static partial long SyscallFsConfig(long number, SafeFileHandle fsFd, uint command, string? key, string? value, int aux);

        [LibraryImport(Libraries.Libc, EntryPoint = "syscall", SetLastError = true)]
        internal static partial long SyscallFsMount(long number, SafeFileHandle fsFd, uint flags, uint attributes);
    }

    /// <summary>A handle that stands for "no directory": AT_FDCWD, for calls given an absolute path.</summary>
    internal static SafeFileHandle AtCwd { get; } = new(AT_FDCWD, ownsHandle: false);

    /// <summary>open_tree(OPEN_TREE_CLONE): a detached copy of the mount at <paramref name="path"/>
    /// (a file or a directory), not following a final symlink. Throws ENOSYS before Linux 5.2.</summary>
    internal static SafeFileHandle OpenTreeClone(string path) =>
        Handle(Libc.SyscallOpenTree(SYS_open_tree, AtCwd, path,
            OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_SYMLINK_NOFOLLOW), "open_tree(OPEN_TREE_CLONE)", path);

    /// <summary>move_mount(MOVE_MOUNT_F_EMPTY_PATH|MOVE_MOUNT_T_EMPTY_PATH): attaches the detached
    /// mount <paramref name="mount"/> onto what the handle <paramref name="target"/> names.</summary>
    internal static void MoveMount(SafeFileHandle mount, SafeFileHandle target, string shownAs)
    {
        if (Libc.SyscallMoveMount(SYS_move_mount, mount, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
            throw Error("move_mount onto", shownAs);
    }

    /// <summary>fsopen + fsconfig + fsmount: a new, detached mount of <paramref name="fileSystem"/>
    /// with the given options and mount attributes (MOUNT_ATTR_*).</summary>
    internal static SafeFileHandle NewDetachedMount(string fileSystem, IEnumerable<(string Key, string Value)> options, uint attributes)
    {
        using var context = Handle(Libc.SyscallFsOpen(SYS_fsopen, fileSystem, FSOPEN_CLOEXEC), "fsopen", fileSystem);
        foreach (var (key, value) in options)
        {
            if (Libc.SyscallFsConfig(SYS_fsconfig, context, FSCONFIG_SET_STRING, key, value, 0) < 0)
                throw Error($"fsconfig {key}={value} for", fileSystem);
        }
        if (Libc.SyscallFsConfig(SYS_fsconfig, context, FSCONFIG_CMD_CREATE, null, null, 0) < 0)
            throw Error("fsconfig(FSCONFIG_CMD_CREATE) for", fileSystem);
        return Handle(Libc.SyscallFsMount(SYS_fsmount, context, FSMOUNT_CLOEXEC, attributes), "fsmount", fileSystem);
    }

    /// <summary>Where the kernel tells which mount a handle is on ("mnt_id:" in fdinfo, since 3.15);
    /// <paramref name="procRoot"/> as in <see cref="ThreadSelfFdPath"/>.</summary>
    internal static string ThreadSelfFdInfoPath(SafeHandle handle, string procRoot = "/proc") =>
        $"{procRoot}/thread-self/fdinfo/{handle.DangerousGetHandle()}";

    private static SafeFileHandle Handle(long fd, string operation, string path) =>
        fd < 0 ? throw Error(operation, path) : new SafeFileHandle((IntPtr)fd, ownsHandle: true);
}
