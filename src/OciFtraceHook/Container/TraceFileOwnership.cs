using Mono.Unix.Native;

namespace OciFtraceHook.Container;

/// <summary>Gives the container's user the instance files it may read (or, for trace_marker,
/// write): tracefs files are root's, mode 0640, and reading needs nothing but file permission.</summary>
internal static class TraceFileOwnership
{
    public static void Give(string path, uint uid, uint gid)
    {
        if (Syscall.lchown(path, uid, gid) < 0)
        {
            var errno = Stdlib.GetLastError();
            throw new HookException($"chown {path} to {uid}:{gid}: {errno} ({Stdlib.strerror(errno)})");
        }
    }
}
