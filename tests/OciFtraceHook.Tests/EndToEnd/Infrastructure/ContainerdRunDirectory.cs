using System.Net.Sockets;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>/run/containerd, which containerd 1.6 uses whatever its state directory is: its shims
/// put their sockets in /run/containerd/s. Two engines the tests start (dockerd's containerd, a CRI
/// node), in this run or another run of the suite on the host, share it. What a test's engine left
/// there is removed, but never a socket a live shim still listens on.</summary>
internal static class ContainerdRunDirectory
{
    public const string Path = "/run/containerd";

    /// <summary>Removes what is under /run/containerd and the directory itself when it was not there
    /// before, keeping the sockets that still accept a connection (and the directories holding them).</summary>
    public static void RemoveLeftovers(bool existedBefore)
    {
        if (existedBefore || !Directory.Exists(Path)) return;
        RemoveUnder(Path);
    }

    /// <summary>Returns whether <paramref name="dir"/> was removed.</summary>
    private static bool RemoveUnder(string dir)
    {
        var empty = true;
        foreach (var sub in Directory.GetDirectories(dir))
        {
            if (new DirectoryInfo(sub).LinkTarget is not null) File.Delete(sub);
            else if (!RemoveUnder(sub)) empty = false;
        }
        foreach (var file in Directory.GetFiles(dir))
        {
            if (IsListening(file)) empty = false;
            else File.Delete(file);
        }
        if (!empty) return false;
        try
        {
            Directory.Delete(dir);
            return true;
        }
        catch (IOException)
        {
            // Something new appeared meanwhile: whoever made it owns it.
            return false;
        }
    }

    private static bool IsListening(string path)
    {
        if (!IsSocket(path)) return false;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static bool IsSocket(string path) => Mono.Unix.Native.Syscall.lstat(path, out var stat) == 0
        && (stat.st_mode & Mono.Unix.Native.FilePermissions.S_IFMT) == Mono.Unix.Native.FilePermissions.S_IFSOCK;
}
