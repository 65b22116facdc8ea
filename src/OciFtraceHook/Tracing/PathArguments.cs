namespace OciFtraceHook.Tracing;

/// <summary>Which arguments of which syscalls are paths (by ftrace event name, 0-based index): the
/// file syscalls of the open, exec, stat, access, mkdir/unlink/rename/link/symlink/readlink, chdir,
/// truncate, chmod/chown and mount families. An event the kernel lacks (open on arm64) is skipped.</summary>
internal static class PathArguments
{
    public static readonly IReadOnlyDictionary<string, int[]> ByEvent = new Dictionary<string, int[]>(StringComparer.Ordinal)
    {
        ["open"] = [0], ["openat"] = [1], ["openat2"] = [1], ["creat"] = [0],
        ["execve"] = [0], ["execveat"] = [1],
        ["newstat"] = [0], ["newlstat"] = [0], ["newfstatat"] = [1], ["statx"] = [1], ["statfs"] = [0],
        ["access"] = [0], ["faccessat"] = [1], ["faccessat2"] = [1],
        ["mkdir"] = [0], ["mkdirat"] = [1], ["rmdir"] = [0], ["mknod"] = [0], ["mknodat"] = [1],
        ["unlink"] = [0], ["unlinkat"] = [1],
        ["rename"] = [0, 1], ["renameat"] = [1, 3], ["renameat2"] = [1, 3],
        ["link"] = [0, 1], ["linkat"] = [1, 3], ["symlink"] = [0, 1], ["symlinkat"] = [0, 2],
        ["readlink"] = [0], ["readlinkat"] = [1],
        ["chdir"] = [0], ["chroot"] = [0], ["truncate"] = [0],
        ["chmod"] = [0], ["fchmodat"] = [1], ["fchmodat2"] = [1],
        ["chown"] = [0], ["lchown"] = [0], ["fchownat"] = [1],
        ["utimensat"] = [1], ["mount"] = [0, 1], ["umount"] = [0],
    };
}
