using System.Runtime.ExceptionServices;
using Microsoft.Win32.SafeHandles;
using static Interop.OpenFlags;

namespace OciFtraceHook.Container;

/// <summary>Runs work inside another process's mount namespace. setns(CLONE_NEWNS) is refused
/// (EINVAL) for a thread that shares its fs_struct with others, so the work runs on a dedicated
/// thread that first unshares CLONE_FS; the namespace dies with that thread, and the rest of the
/// process never leaves the host's. The thread's working directory is the host's /proc, so that
/// "thread-self/fd/N" names its handles whatever /proc the container has mounted (after
/// pivot_root, the container's own procfs does not know the hook's thread).</summary>
internal static class MountNamespace
{
    /// <summary>Inside <see cref="Run"/>'s work, the path of a handle for mount(2) and friends:
    /// relative to the host's /proc, the thread's working directory.</summary>
    public static string HandlePath(SafeFileHandle handle) => Interop.ThreadSelfFdPath(handle, procRoot: ".");

    /// <summary>Inside <see cref="Run"/>'s work, a file of the host's /proc (e.g. "thread-self/mountinfo").</summary>
    public static string ProcPath(string relative) => "./" + relative;

    public static void Run(int pid, Action work)
    {
        var nsPath = $"/proc/{pid}/ns/mnt";
        using var ns = Interop.Open(nsPath, O_RDONLY | O_CLOEXEC, "open");
        using var hostProc = Interop.Open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC, "open");
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Interop.Unshare(Interop.CLONE_FS, "CLONE_FS");
                Interop.SetNs(ns, Interop.CLONE_NEWNS, nsPath);
                Interop.FChDir(hostProc, "/proc");
                work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, maxStackSize: 256 * 1024)
        {
            Name = "container-mntns",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
    }
}
