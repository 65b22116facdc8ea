using Microsoft.Win32.SafeHandles;
using Mono.Unix.Native;

internal static partial class Interop
{
    /// <summary>What lstat(2) says of a path, without following a symlink at its end.</summary>
    internal sealed record PathStatus(uint Uid, uint Mode, long Size = 0, DateTime ModifiedUtc = default)
    {
        public bool IsDirectory => (Mode & 0xF000) == 0x4000;
        public bool IsRegularFile => (Mode & 0xF000) == 0x8000;
        /// <summary>The permission bits (07777).</summary>
        public uint Permissions => Mode & 0xFFF;
    }

    /// <summary>The hook's effective user (through Mono.Posix, which serves identity).</summary>
    internal static uint EffectiveUid => Syscall.geteuid();

    /// <summary>lstat(2): null when nothing is there; any other failure names the path and errno.</summary>
    internal static PathStatus? LStat(string path)
    {
        if (Syscall.lstat(path, out var st) == 0)
            return new PathStatus(st.st_uid, (uint)st.st_mode, st.st_size,
                DateTime.UnixEpoch.AddSeconds(st.st_mtime).AddTicks(st.st_mtime_nsec / 100));
        var errno = NativeConvert.FromErrno(Stdlib.GetLastError());
        return errno == ENOENT ? null : throw new SyscallException("lstat", path, errno);
    }

    /// <summary>The device and inode stat(2) finds at a path, following symlinks (a /proc/PID/fd/N
    /// link leads to the open file itself); null when there is nothing, or it cannot be asked.</summary>
    internal static (ulong Device, ulong Inode)? FileIdentity(string path) =>
        Syscall.stat(path, out var st) == 0 ? (st.st_dev, st.st_ino) : null;

    /// <summary>mkdir(2) of an absolute path; EEXIST is not an error (someone made it meanwhile:
    /// callers check what is there).</summary>
    internal static void MakeDirectory(string path, uint mode)
    {
        if (Syscall.mkdir(path, (FilePermissions)mode) == 0) return;
        var errno = NativeConvert.FromErrno(Stdlib.GetLastError());
        if (errno != EEXIST) throw new SyscallException("mkdir", path, errno);
    }

    /// <summary>chmod(2).</summary>
    internal static void ChangeMode(string path, uint mode)
    {
        if (Syscall.chmod(path, (FilePermissions)mode) != 0)
            throw new SyscallException($"chmod to {Convert.ToString(mode, 8)}", path, NativeConvert.FromErrno(Stdlib.GetLastError()));
    }

    /// <summary>The process's standard error as a handle that is never closed.</summary>
    internal static SafeFileHandle StandardError { get; } = new(2, ownsHandle: false);
}
