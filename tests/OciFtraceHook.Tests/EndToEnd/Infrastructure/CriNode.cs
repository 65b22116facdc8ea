using System.Text;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>A Kubernetes node's runtime without the kubelet: a private containerd (Debian's 1.6,
/// CRI plugin on) with its own config, root, state and socket under a test directory, the
/// package's runtime handler (hooks/engines/containerd-config.toml, its BinaryName pointed at the
/// shim under test) beside a plain runc handler, and a busybox image imported from an OCI archive,
/// which also serves as the pods' sandbox image. Tests drive it as the kubelet does, through
/// <see cref="CriClient"/>. Its environment names a hook.conf that saves traces in the test's
/// directory. Dispose removes every pod, stops containerd and removes what it made.</summary>
internal sealed class CriNode : IDisposable
{
    public const string Containerd = "/usr/bin/containerd";
    public const string Ctr = DockerEngine.Ctr;
    /// <summary>The handler the package's RuntimeClass selects (hooks/engines/runtimeclass.yaml), which
    /// its containerd snippet defines.</summary>
    public static string TracedHandler { get; } = CriExamples.RuntimeClassHandler();
    public const string Image = "docker.io/library/oft-cri-busybox:latest";
    private const string RunContainerd = ContainerdRunDirectory.Path;

    private readonly BusyboxBundle _files;
    private readonly EngineDaemon _daemon;
    private readonly bool _runContainerdExisted;

    public CriClient Cri { get; }
    public string Dir => _files.Dir;
    public string SaveDir => _files.SaveDir;
    public string Socket => Path.Combine(Dir, "containerd.sock");
    public string ConfigPath => Path.Combine(Dir, "containerd.toml");
    public string HookConf => _files.ConfigPath;
    public string LogRoot => Path.Combine(Dir, "pod-logs");
    /// <summary>The pods' cgroups go under this one (as the kubelet's go under kubepods), so that
    /// Dispose can remove it; containerd would otherwise leave /k8s.io in every hierarchy.</summary>
    public string CgroupParent { get; } = "/oft-cri-" + Guid.NewGuid().ToString("N")[..12];

    private CriNode(BusyboxBundle files, EngineDaemon daemon, bool runContainerdExisted)
    {
        _files = files;
        _daemon = daemon;
        _runContainerdExisted = runContainerdExisted;
        Cri = new CriClient(Socket);
    }

    /// <summary>Starts containerd, or skips the test with the reason when it is not installed.</summary>
    public static CriNode StartOrIgnore()
    {
        HostRequirements.RequireRuncAndTraceFs();
        foreach (var file in new[] { Containerd, Ctr })
        {
            if (!File.Exists(file)) Assert.Ignore($"end-to-end test skipped: {file} is missing (apt-get install containerd)");
        }
        var files = BusyboxBundle.Create("cri");
        // Only pods that ask for it are traced: the opt-in a node whose default runtime is the shim would use.
        files.HostConfig("shim-opt-in = annotation\n");
        File.WriteAllText(Path.Combine(files.Dir, "containerd.toml"), Config(files.Dir));

        var runContainerdExisted = Directory.Exists(RunContainerd);
        // The hook's shim (and the hooks it adds) read this hook.conf.
        var daemon = EngineDaemon.Start(Containerd, ["--config", Path.Combine(files.Dir, "containerd.toml")], files.ConfigPath);
        var node = new CriNode(files, daemon, runContainerdExisted);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var lastError = "";
        while (true)
        {
            try
            {
                if (File.Exists(node.Socket) && node.Cri.RuntimeName() == "containerd") break;
            }
            catch (Exception e) when (e is HttpRequestException or CriException or IOException)
            {
                // Not serving CRI yet.
                lastError = e.Message + " " + e.InnerException?.Message;
            }
            if (daemon.HasExited || DateTime.UtcNow > deadline)
            {
                var why = $"{lastError}; {node.LogTail(5)}";
                node.Dispose();
                // containerd is installed: a config it refuses (the package's snippet in it) is a failure, not a skip.
                Assert.Fail($"containerd with the package's handler did not serve CRI: {why}");
            }
            Thread.Sleep(200);
        }

        // The image the pods' containers run, and their sandbox: busybox sleeping (as a pause image does).
        var archive = Path.Combine(files.Dir, "image.tar");
        OciImageArchive.Write(files.Rootfs, Image, ["sleep", "1000000"], archive);
        var import = node.CtrCommand("-n", "k8s.io", "images", "import", archive);
        if (import.ExitCode != 0)
        {
            node.Dispose();
            Assert.Fail($"ctr images import failed: {import}");
        }
        return node;
    }

    /// <summary>Rewrites the hook.conf the shim reads at each call: which containers it traces.</summary>
    public void ShimOptIn(string optIn) => _files.HostConfig($"shim-opt-in = {optIn}\n");

    /// <summary>containerd's config: everything it writes under <paramref name="dir"/>, the CRI
    /// plugin's sandbox image the local one, and the package's handler as a user merges it.</summary>
    private static string Config(string dir)
    {
        string At(string sub) => Path.Combine(dir, sub);
        var snippet = File.ReadAllLines(Path.Combine(HookBinary.RepositoryRoot, "hooks", "engines", "containerd-config.toml"));
        var handler = new StringBuilder();
        var binaryNames = 0;
        foreach (var line in snippet)
        {
            if (line.TrimStart().StartsWith("version", StringComparison.Ordinal)) continue;
            if (line.TrimStart().StartsWith("BinaryName", StringComparison.Ordinal))
            {
                // The shim under test, in place of the installed path; runc's state under the test's directory.
                handler.AppendLine($"  BinaryName = \"{ShimBinary.Path}\"");
                handler.AppendLine($"  Root = \"{At("runc")}\"");
                binaryNames++;
                continue;
            }
            handler.AppendLine(line);
        }
        if (binaryNames != 1) throw new InvalidDataException("hooks/engines/containerd-config.toml has no single BinaryName line");
        return $"""
            version = 2
            root = "{At("root")}"
            state = "{At("state")}"

            [grpc]
              address = "{At("containerd.sock")}"

            # Its default, /opt/containerd, is the host's.
            [plugins."io.containerd.internal.v1.opt"]
              path = "{At("opt")}"

            [plugins."io.containerd.grpc.v1.cri"]
              sandbox_image = "{Image}"
              # This machine refuses the sandbox's default oom_score_adj (-998); runc's init then dies.
              restrict_oom_score_adj = true

            # Host-network pods need no CNI; these keep its watcher off the host's /etc/cni.
            [plugins."io.containerd.grpc.v1.cri".cni]
              bin_dir = "{At("cni/bin")}"
              conf_dir = "{At("cni/net.d")}"

            # The CRI plugin refuses a config whose default runtime is missing.
            [plugins."io.containerd.grpc.v1.cri".containerd]
              default_runtime_name = "runc"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
              runtime_type = "io.containerd.runc.v2"

            [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
              Root = "{At("runc")}"

            {handler}
            """;
    }

    public ProcessResult CtrCommand(params string[] args) =>
        ProcessRunner.Run(Ctr, ["--address", Socket, .. args], timeout: TimeSpan.FromMinutes(2));

    /// <summary>A pod of a namespace and name of its own, on the host's network, with these annotations.</summary>
    public CriPod Pod(string ns, string name, IReadOnlyDictionary<string, string> annotations)
    {
        var uid = Guid.NewGuid().ToString();
        var logs = Path.Combine(LogRoot, $"{ns}_{name}_{uid}");
        Directory.CreateDirectory(logs);
        return new CriPod(ns, name, uid, logs, CgroupParent, annotations);
    }

    /// <summary>The container's output, from its CRI log file ("TIME STREAM P|F TEXT" lines; P is a
    /// partial line continued by the next).</summary>
    public static string ContainerOutput(CriPod pod, string logPath)
    {
        var path = Path.Combine(pod.LogDirectory, logPath);
        if (!File.Exists(path)) return "";
        var output = new StringBuilder();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', 4);
            if (parts.Length < 3) continue;
            output.Append(parts.Length == 4 ? parts[3] : "");
            if (parts[2] != "P") output.Append('\n');
        }
        return output.ToString();
    }

    /// <summary>The traces saved so far, once the saves of this node's containers are done.</summary>
    public string[] SavedTraces()
    {
        PendingSaves.WaitForBundlesUnder(Dir);
        // Named by format: .dat for a trace.dat, .txt for text.
        return Directory.Exists(SaveDir)
            ? Directory.GetFiles(SaveDir).Where(f => f.EndsWith(".dat", StringComparison.Ordinal) || f.EndsWith(".txt", StringComparison.Ordinal)).ToArray()
            : [];
    }

    public string LogTail(int lines) => _daemon.LogTail(lines);

    /// <summary>Stops and removes every pod (and with them their containers), as the kubelet does when
    /// a node is drained.</summary>
    public void RemoveAllPods()
    {
        foreach (var pod in Cri.ListPodSandboxIds())
        {
            Cri.StopPodSandbox(pod);
            Cri.RemovePodSandbox(pod);
        }
    }

    public void Dispose()
    {
        if (!_daemon.HasExited)
        {
            try
            {
                RemoveAllPods();
            }
            catch (Exception e)
            {
                // containerd is stopped and its files removed whatever went wrong here.
                TestContext.Out.WriteLine($"removing the pods failed: {e.Message}\ncontainerd's last lines: {LogTail(30)}");
            }
        }
        _daemon.Stop();
        Cri.Dispose();
        TestHost.UnmountEverythingUnder(Dir);
        RemoveCgroups();
        _files.Dispose();
        // The shims' sockets are under /run/containerd/s whatever containerd's state is.
        ContainerdRunDirectory.RemoveLeftovers(_runContainerdExisted);
    }

    /// <summary>The pods' cgroup directories, deepest first, in each hierarchy (cgroup v1 has one per
    /// controller, v2 one): runc removes a container's own, but not the parent it was put under.</summary>
    private void RemoveCgroups()
    {
        var roots = Directory.Exists("/sys/fs/cgroup") ? Directory.GetDirectories("/sys/fs/cgroup").Append("/sys/fs/cgroup") : [];
        foreach (var root in roots)
        {
            var parent = root + CgroupParent;
            if (!Directory.Exists(parent)) continue;
            foreach (var dir in Directory.GetDirectories(parent, "*", SearchOption.AllDirectories).OrderByDescending(d => d.Length).Append(parent))
            {
                try
                {
                    Directory.Delete(dir);
                }
                catch (IOException e)
                {
                    TestContext.Out.WriteLine($"cgroup {dir} left: {e.Message}");
                }
            }
        }
    }

}
