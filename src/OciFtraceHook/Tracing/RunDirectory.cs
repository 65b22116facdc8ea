using Mono.Unix.Native;

namespace OciFtraceHook.Tracing;

/// <summary>The hook's state under /run (records, locks, the follow spools): made 0700 by the hook's
/// user (root) and checked before every use, so that no one else can plant or read what root trusts
/// there: it must be a real directory (not a symlink), owned by the hook's user, closed to others.</summary>
internal static class RunDirectory
{
    /// <summary>Makes <paramref name="dir"/> 0700 when missing, then checks it.</summary>
    public static void Ensure(string dir)
    {
        if (Syscall.lstat(dir, out var st) != 0)
        {
            // EEXIST: another hook made it meanwhile; it is checked below like any other.
            if (Syscall.mkdir(dir, FilePermissions.S_IRWXU) != 0 && Stdlib.GetLastError() != Errno.EEXIST)
                throw new HookException($"cannot make {dir}: {Stdlib.strerror(Stdlib.GetLastError())}");
            if (Syscall.lstat(dir, out st) != 0) throw new HookException($"cannot read {dir}: {Stdlib.strerror(Stdlib.GetLastError())}");
        }
        if ((st.st_mode & FilePermissions.S_IFMT) != FilePermissions.S_IFDIR)
            throw new HookException($"{dir} is refused: it is not a directory (a symlink?)");
        var owner = Syscall.geteuid();
        if (st.st_uid != owner) throw new HookException($"{dir} is refused: it is owned by uid {st.st_uid}, not {owner}");
        // Made 0755 by older versions: ours, so closed now.
        if (((uint)st.st_mode & 0x3F /* 077 */) != 0 && Syscall.chmod(dir, FilePermissions.S_IRWXU) != 0)
            throw new HookException($"cannot make {dir} 0700: {Stdlib.strerror(Stdlib.GetLastError())}");
    }
}
