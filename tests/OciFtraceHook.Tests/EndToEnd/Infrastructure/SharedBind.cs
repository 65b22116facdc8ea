namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>A host directory bind-mounted onto itself with shared propagation, and a peer of it
/// elsewhere: whatever is mounted below one shows up below the other, as on a host where / is
/// shared (systemd) and a volume or the rootfs sits on it.</summary>
internal sealed class SharedBind : IDisposable
{
    public string Dir { get; }
    public string Peer { get; }

    private SharedBind(string dir, string peer)
    {
        Dir = dir;
        Peer = peer;
    }

    public static SharedBind Create(string dir)
    {
        var peer = dir.TrimEnd('/') + "-peer";
        Directory.CreateDirectory(dir);
        Directory.CreateDirectory(peer);
        var bind = new SharedBind(dir, peer);
        bind.Mount("--bind", dir, dir);
        bind.Mount("--make-shared", dir);
        bind.Mount("--bind", dir, peer);
        return bind;
    }

    /// <summary>Host mounts at or below the bind or its peer, other than the two the test made.</summary>
    public string[] ForeignMounts() =>
        File.ReadAllLines("/proc/self/mountinfo")
            .Where(line => line.Split(' ') is var fields && fields.Length > 4 && Below(fields[4]))
            .Where(line => line.Split(' ')[4] is var point && point != Dir && point != Peer)
            .ToArray();

    private bool Below(string mountPoint) =>
        mountPoint == Dir || mountPoint == Peer || mountPoint.StartsWith(Dir + "/", StringComparison.Ordinal)
        || mountPoint.StartsWith(Peer + "/", StringComparison.Ordinal);

    private void Mount(params string[] args)
    {
        var result = ProcessRunner.Run("mount", args);
        if (result.ExitCode != 0)
        {
            Dispose();
            throw new InvalidOperationException($"mount {string.Join(' ', args)} failed:\n{result}");
        }
    }

    /// <summary>Detaches both, with whatever a failed test left below them.</summary>
    public void Dispose()
    {
        foreach (var point in new[] { Peer, Dir })
        {
            while (File.ReadAllLines("/proc/self/mountinfo").Any(l => l.Split(' ')[4] == point))
                if (ProcessRunner.Run("umount", ["--lazy", point]).ExitCode != 0) break;
        }
    }
}
