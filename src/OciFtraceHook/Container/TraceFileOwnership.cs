namespace OciFtraceHook.Container;

/// <summary>Gives the container's user the instance files it may read (or, for trace_marker,
/// write): tracefs files are root's, mode 0640, and reading needs nothing but file permission.</summary>
internal static class TraceFileOwnership
{
    public static void Give(string path, uint uid, uint gid) => Interop.LChown(path, uid, gid);
}
