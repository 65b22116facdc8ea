using Mono.Unix.Native;

internal static partial class Interop
{
    /// <summary>lchown(2) through Mono.Posix (ownership and identity are what that package serves):
    /// never follows a symlink, and a failure names the path, the owner asked for and errno.</summary>
    internal static void LChown(string path, uint uid, uint gid)
    {
        if (Syscall.lchown(path, uid, gid) == 0) return;
        throw new SyscallException($"chown to {uid}:{gid}", path, NativeConvert.FromErrno(Stdlib.GetLastError()));
    }
}
