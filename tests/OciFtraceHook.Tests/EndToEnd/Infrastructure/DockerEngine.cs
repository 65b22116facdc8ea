using System.Text.Json.Nodes;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>A private Docker engine (Debian's docker.io, 20.10): dockerd on its own socket, with its
/// data, exec root (and the containerd it starts) under a test directory, the runtime shim
/// registered as the runtime "oci-ftrace" through its own daemon config file, and the busybox rootfs
/// imported as an image. Its environment names a hook.conf that saves traces in the test's
/// directory. Dispose stops it and removes what it made: containers, mounts, directories, and
/// /run/containerd when it was not there before.</summary>
internal sealed class DockerEngine : IDisposable
{
    /// <summary>The docker.io package's client (another client may come first on PATH).</summary>
    public const string Client = "/usr/bin/docker";
    public const string Daemon = "/usr/sbin/dockerd";
    public const string Ctr = "/usr/bin/ctr";
    public const string RuntimeName = "oci-ftrace";
    public const string Image = "oft-busybox";
    private const string RunContainerd = ContainerdRunDirectory.Path;

    private readonly BusyboxBundle _files;
    private readonly EngineDaemon _daemon;
    private readonly bool _runContainerdExisted;

    public string Dir => _files.Dir;
    public string Rootfs => _files.Rootfs;
    public string SaveDir => _files.SaveDir;
    public string Socket => Path.Combine(Dir, "docker.sock");
    public string ExecRoot => Path.Combine(Dir, "e");
    public string ContainerdSocket => Path.Combine(ExecRoot, "containerd", "containerd.sock");
    public string HookConf => Path.Combine(Dir, "hook.conf");

    private DockerEngine(BusyboxBundle files, EngineDaemon daemon, bool runContainerdExisted)
    {
        _files = files;
        _daemon = daemon;
        _runContainerdExisted = runContainerdExisted;
    }

    /// <summary>Starts dockerd, or skips the test with the reason it cannot run here.</summary>
    public static DockerEngine StartOrIgnore()
    {
        HostRequirements.RequireRuncAndTraceFs();
        foreach (var file in new[] { Client, Daemon, Ctr })
        {
            if (!File.Exists(file)) Assert.Ignore($"end-to-end test skipped: {file} is missing (apt-get install docker.io)");
        }
        var shim = ShimBinary.Path;
        var files = BusyboxBundle.Create("docker");
        // The package's snippet for /etc/docker/daemon.json, pointed at the shim under test.
        var daemonJson = JsonNode.Parse(File.ReadAllText(Path.Combine(HookBinary.RepositoryRoot, "hooks", "engines", "docker-daemon.json")))!;
        daemonJson["runtimes"]![RuntimeName]!["path"] = shim;
        // dockerd 20.10 would otherwise write its trust key to /etc/docker/key.json.
        daemonJson["deprecated-key-path"] = Path.Combine(files.Dir, "key.json");
        File.WriteAllText(Path.Combine(files.Dir, "daemon.json"), daemonJson.ToJsonString());
        File.WriteAllText(Path.Combine(files.Dir, "hook.conf"), $"save-dir = {files.SaveDir}\n");

        var runContainerdExisted = Directory.Exists(RunContainerd);
        var dir = files.Dir;
        var daemon = EngineDaemon.Start(Daemon,
        [
            "--iptables=false", "--ip6tables=false", "--bridge=none",
            "--data-root", Path.Combine(dir, "d"), "--exec-root", Path.Combine(dir, "e"),
            "-H", "unix://" + Path.Combine(dir, "docker.sock"), "--pidfile", Path.Combine(dir, "docker.pid"),
            "--config-file", Path.Combine(dir, "daemon.json"),
        ], Path.Combine(dir, "hook.conf"));
        var engine = new DockerEngine(files, daemon, runContainerdExisted);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (engine.Docker("version").ExitCode != 0)
        {
            if (daemon.HasExited || DateTime.UtcNow > deadline)
            {
                var why = engine.LogTail(5);
                engine.Dispose();
                Assert.Ignore($"end-to-end test skipped: dockerd cannot start here: {why}");
            }
            Thread.Sleep(200);
        }
        var import = ProcessRunner.Run("/bin/sh", ["-c", $"tar -C '{files.Rootfs}' -c . | {Client} -H 'unix://{engine.Socket}' import - {Image}"]);
        if (import.ExitCode != 0)
        {
            engine.Dispose();
            Assert.Fail($"docker import failed: {import}");
        }
        return engine;
    }

    public ProcessResult Docker(params string[] args) =>
        ProcessRunner.Run(Client, ["-H", "unix://" + Socket, .. args], timeout: TimeSpan.FromMinutes(2));

    public ProcessResult ContainerdCtr(params string[] args) =>
        ProcessRunner.Run(Ctr, ["--address", ContainerdSocket, .. args], timeout: TimeSpan.FromMinutes(2));

    /// <summary>`ctr run` with its state (runc's root, the stdio fifos) under the test's directory
    /// rather than /run/containerd.</summary>
    public ProcessResult CtrRun(params string[] args) =>
        ContainerdCtr(["run", "--runc-root", Path.Combine(Dir, "ctr-runc"), "--fifo-dir", Path.Combine(Dir, "ctr-fifo"), .. args]);

    /// <summary>config.json of a running Docker container, as its runtime got it.</summary>
    public string BundleConfig(string id, string ns = "moby") =>
        File.ReadAllText(Path.Combine(ExecRoot, "containerd", "daemon", "io.containerd.runtime.v2.task", ns, id, "config.json"));

    public string[] SavedTraces() => _files.SavedTraces();

    /// <summary>Waits until the trace of <paramref name="id"/> is saved (poststop runs when the engine
    /// deletes the container, which may be just after the client returned).</summary>
    public string? WaitForSavedTrace(string id, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        var prefix = "oci-ftrace-" + id[..Math.Min(id.Length, 40)];
        while (true)
        {
            var found = SavedTraces().FirstOrDefault(t => Path.GetFileName(t).StartsWith(prefix, StringComparison.Ordinal));
            if (found is not null || DateTime.UtcNow > deadline) return found;
            Thread.Sleep(100);
        }
    }

    public string LogTail(int lines) => _daemon.LogTail(lines);

    public void Dispose()
    {
        if (!_daemon.HasExited)
        {
            var ids = Docker("ps", "-aq").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (ids.Length > 0) Docker(["rm", "-f", .. ids]);
            foreach (var task in ContainerdCtr("tasks", "ls", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                ContainerdCtr("tasks", "kill", "-s", "KILL", task);
            foreach (var container in ContainerdCtr("containers", "ls", "-q").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                ContainerdCtr("containers", "delete", container);
        }
        _daemon.Stop();
        TestHost.UnmountEverythingUnder(Dir);
        _files.Dispose();
        // The shims' sockets (/run/containerd/s), wherever containerd's state is; those of another
        // engine's live shims stay.
        ContainerdRunDirectory.RemoveLeftovers(_runContainerdExisted);
    }

}

/// <summary>The runtime shim as a package installs it: the link oci-ftrace-runc beside the
/// published hook.</summary>
internal static class ShimBinary
{
    private static readonly Lazy<string> Link = new(() =>
    {
        var link = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(HookBinary.Path)!, "oci-ftrace-runc");
        if (!File.Exists(link)) File.CreateSymbolicLink(link, "oci-ftrace-hook");
        return link;
    });

    public static string Path => Link.Value;
}
