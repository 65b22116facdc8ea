using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>The Kubernetes node path: containerd's CRI plugin (Debian's containerd 1.6) with the
/// package's runtime handler, driven over its socket as the kubelet drives it (RunPodSandbox,
/// CreateContainer, StartContainer, ..., RemovePodSandbox). A pod opts in with its annotation; the
/// pod's namespace and name name the trace.</summary>
[Category("EndToEnd")]
[NonParallelizable]
public class CriNodeTests
{
    private const string Tracing = "/sys/kernel/tracing";
    private static readonly Dictionary<string, string> OptIn = new() { [HookSettings.EnabledKey] = "true" };
    private CriNode _node = null!;

    [OneTimeSetUp]
    public void StartNode() => _node = CriNode.StartOrIgnore();

    [OneTimeTearDown]
    public void StopNode() => _node?.Dispose();

    [TearDown]
    public void NothingIsLeftBehind()
    {
        if (_node is null) return;
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
            TestContext.Out.WriteLine("containerd's last lines: " + _node.LogTail(40));
        var pods = _node.Cri.ListPodSandboxIds();
        _node.RemoveAllPods();
        Assert.That(pods, Is.Empty, "pods left behind");
        // Only this node's containers: another run on the host may have instances of its own meanwhile.
        var left = Wait.Until(() => _node.Cri.CreatedContainers.SelectMany(TestHost.InstancesAndRecordsOf).ToArray(), l => l.Length == 0,
            TimeSpan.FromSeconds(15), "the instances and records of this node's containers to be gone");
        Assert.That(left, Is.Empty, "ftrace instances or records left behind");
    }

    private static string Unique(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..8];

    private CriPod Pod(bool optIn) => _node.Pod(Unique("oft-ns"), Unique("oft-pod"), optIn ? OptIn : new Dictionary<string, string>());

    private (string PodId, string ContainerId) Start(CriPod pod, string script, string name = "app")
    {
        var podId = _node.Cri.RunPodSandbox(pod, CriNode.TracedHandler);
        var id = _node.Cri.CreateContainer(podId, pod, name, CriNode.Image, ["sh", "-c", script], name + ".log");
        _node.Cri.StartContainer(id);
        return (podId, id);
    }

    private CriContainerStatus WaitForState(string id, CriContainerState state) =>
        Wait.Until(() => _node.Cri.ContainerStatus(id), s => s.State == state, TimeSpan.FromSeconds(60), $"container {id[..12]} to be {state}");

    /// <summary>The saved trace whose file name carries the container's name (ns/pod/container).</summary>
    private string? WaitForSavedTrace(CriPod pod, string container, TimeSpan? timeout = null)
    {
        var name = ContainerName.ForFileName($"{pod.Namespace}/{pod.Name}/{container}");
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var found = _node.SavedTraces().FirstOrDefault(t => Path.GetFileName(t).Contains("-" + name + "-", StringComparison.Ordinal));
            if (found is not null || DateTime.UtcNow > deadline) return found;
            Thread.Sleep(100);
        }
    }

    [Test]
    public void A_pod_that_opts_in_reads_its_own_trace_and_show_finds_it_by_namespace_pod_and_container()
    {
        var pod = Pod(optIn: true);
        var (podId, id) = Start(pod,
            $"cat /nonexistent 2>/dev/null; echo CRI-MARK > {Tracing}/trace_marker; ls {Tracing}; cat {Tracing}/trace");
        var status = WaitForState(id, CriContainerState.Exited);
        var output = CriNode.ContainerOutput(pod, "app.log");
        Assert.Multiple(() =>
        {
            Assert.That(status.ExitCode, Is.Zero, output);
            Assert.That(output, Does.Contain("trace\ntrace_marker\ntrace_pipe\n"), "the three files, and only them");
            Assert.That(output, Does.Contain("tracing_mark_write: CRI-MARK"));
            Assert.That(output, Does.Match(@"cat-\d+ .* sys_openat\("), "its own syscalls, read inside: " + output);
        });

        var saved = WaitForSavedTrace(pod, "app");
        Assert.That(saved, Is.Not.Null, $"poststop saved the trace, named {pod.Namespace}/{pod.Name}/app; saved: {string.Join(", ", _node.SavedTraces().Select(Path.GetFileName))}");
        Assert.That(Path.GetFileName(saved), Does.StartWith("oci-ftrace-" + id[..40]), "and by the container's id");
        foreach (var query in new[] { $"{pod.Namespace}/{pod.Name}/app", $"{pod.Name}/app" })
        {
            var show = HookProcess.Run("", "show", query, "--save-dir", _node.SaveDir, "-Z");
            Assert.That(show.ExitCode, Is.Zero, $"show {query}: {show}");
            Assert.That(show.Stdout, Does.Match(@"openat\(AT_FDCWD, 0x[0-9a-f]+, O_RDONLY\) = -1 ENOENT"), $"show {query}: {show.Stdout}");
        }

        _node.Cri.StopContainer(id, 2);
        _node.Cri.RemoveContainer(id);
        _node.Cri.StopPodSandbox(podId);
        _node.Cri.RemovePodSandbox(podId);
        Assert.That(_node.Cri.ListPodSandboxIds(), Does.Not.Contain(podId));
        // The sandbox ran through the same handler with the pod's opt-in, and is left alone.
        Assert.That(_node.SavedTraces().Select(Path.GetFileName).Where(t => t!.Contains(podId[..40], StringComparison.Ordinal)), Is.Empty,
            "the pod's sandbox is not traced");
    }

    [Test]
    public void A_pod_without_the_annotation_is_untouched()
    {
        var pod = Pod(optIn: false);
        var (podId, id) = Start(pod, $"ls {Tracing}; echo untraced");
        var status = WaitForState(id, CriContainerState.Exited);
        var output = CriNode.ContainerOutput(pod, "app.log");
        Assert.Multiple(() =>
        {
            Assert.That(status.ExitCode, Is.Zero, output);
            Assert.That(output, Does.Contain("untraced"));
            Assert.That(output, Does.Not.Contain("trace_marker"));
        });
        _node.Cri.RemoveContainer(id);
        _node.Cri.StopPodSandbox(podId);
        _node.Cri.RemovePodSandbox(podId);
        Assert.That(WaitForSavedTrace(pod, "app", TimeSpan.FromSeconds(2)), Is.Null, "nothing saved");
        Assert.That(_node.SavedTraces().Where(t => t.Contains(id[..40], StringComparison.Ordinal)), Is.Empty);
    }

    [Test]
    public void A_running_container_removed_by_force_has_its_trace_saved_and_its_instance_removed()
    {
        var pod = Pod(optIn: true);
        var (podId, id) = Start(pod, "trap 'exit 0' TERM; while true; do sleep 0.2; done");
        WaitForState(id, CriContainerState.Running);
        Assert.That(TestHost.InstancesOf(id), Has.Length.EqualTo(1), "its instance while it runs");
        // kubectl exec's runtime call: the marker goes into the running container's trace.
        var exec = _node.Cri.ExecSync(id, ["sh", "-c", $"echo CRI-EXEC-MARK > {Tracing}/trace_marker && echo exec-ok"]);
        Assert.That(exec.ExitCode, Is.Zero, exec.Stderr);
        Assert.That(exec.Stdout.Trim(), Is.EqualTo("exec-ok"));

        // RemoveContainer on a running container stops it by force first.
        _node.Cri.RemoveContainer(id);
        var saved = WaitForSavedTrace(pod, "app");
        Assert.That(saved, Is.Not.Null, "saved after a forced remove");
        Assert.That(File.ReadAllText(saved!), Does.Contain("CRI-EXEC-MARK"), "the marker written through ExecSync");
        Assert.That(Wait.Until(() => TestHost.InstancesOf(id), i => i.Length == 0, TimeSpan.FromSeconds(20), "its instance to be removed"), Is.Empty);
        var gone = Assert.Throws<CriException>(() => _node.Cri.ContainerStatus(id));
        Assert.That(gone!.Status, Is.EqualTo(5), "NotFound: the container is gone");

        _node.Cri.StopPodSandbox(podId);
        _node.Cri.RemovePodSandbox(podId);
    }

    [Test]
    public void StopContainer_kills_a_container_that_ignores_SIGTERM_after_its_grace_period_and_its_trace_is_saved()
    {
        var pod = Pod(optIn: true);
        var (podId, id) = Start(pod, $"trap '' TERM; echo stop-running > {Tracing}/trace_marker; while true; do sleep 0.2; done");
        WaitForState(id, CriContainerState.Running);
        Assert.That(TestHost.InstancesOf(id), Has.Length.EqualTo(1), "its instance while it runs");

        var watch = System.Diagnostics.Stopwatch.StartNew();
        _node.Cri.StopContainer(id, 1);
        Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)), "SIGTERM was ignored for the grace period");
        var status = _node.Cri.ContainerStatus(id);
        Assert.That((status.State, status.ExitCode), Is.EqualTo((CriContainerState.Exited, 137)), "then SIGKILL");
        var saved = WaitForSavedTrace(pod, "app");
        Assert.That(saved, Is.Not.Null, "saved after StopContainer");
        Assert.That(File.ReadAllText(saved!), Does.Contain("stop-running"), "its own marker");
        Assert.That(Wait.Until(() => TestHost.InstancesOf(id), i => i.Length == 0, TimeSpan.FromSeconds(20), "its instance to be removed"), Is.Empty);

        _node.Cri.RemoveContainer(id);
        _node.Cri.StopPodSandbox(podId);
        _node.Cri.RemovePodSandbox(podId);
    }

    [Test]
    public void Stopping_a_pod_with_its_containers_running_saves_their_traces_and_removes_their_instances()
    {
        var pod = Pod(optIn: true);
        var podId = _node.Cri.RunPodSandbox(pod, CriNode.TracedHandler);
        var ids = new Dictionary<string, string>();
        foreach (var name in new[] { "first", "second" })
        {
            // Ignores SIGTERM: the stop has to kill it.
            var id = _node.Cri.CreateContainer(podId, pod, name, CriNode.Image,
                ["sh", "-c", $"trap '' TERM; echo {name}-running > {Tracing}/trace_marker; while true; do sleep 0.2; done"], name + ".log");
            _node.Cri.StartContainer(id);
            ids[name] = id;
        }
        foreach (var (name, id) in ids)
        {
            WaitForState(id, CriContainerState.Running);
            Assert.That(TestHost.InstancesOf(id), Has.Length.EqualTo(1), $"{name}'s instance while it runs");
        }
        Assert.That(TestHost.InstancesOf(podId), Is.Empty, "none for the pod's sandbox");

        _node.Cri.StopPodSandbox(podId);
        foreach (var (name, id) in ids)
        {
            Assert.That(_node.Cri.ContainerStatus(id).State, Is.EqualTo(CriContainerState.Exited), $"{name} stopped with its pod");
            var saved = WaitForSavedTrace(pod, name);
            Assert.That(saved, Is.Not.Null, $"{name}'s trace saved");
            Assert.That(File.ReadAllText(saved!), Does.Contain($"{name}-running"), $"{name}'s own marker");
            Assert.That(Wait.Until(() => TestHost.InstancesOf(id), i => i.Length == 0, TimeSpan.FromSeconds(20), $"{name}'s instance to be removed"), Is.Empty);
        }
        _node.Cri.RemovePodSandbox(podId);
        Assert.That(_node.Cri.ListContainerIds(), Is.Empty, "RemovePodSandbox removed its containers");
    }

    [Test]
    public void The_examples_name_the_handler_the_node_runs()
    {
        Assert.Multiple(() =>
        {
            Assert.That(CriExamples.ContainerdHandlers(), Is.EqualTo(new[] { CriNode.TracedHandler }), "containerd-config.toml defines the RuntimeClass's handler");
            Assert.That(CriExamples.PodRuntimeClassName(), Is.EqualTo(CriExamples.RuntimeClassName()), "the pod example selects the RuntimeClass");
            Assert.That(CriExamples.PodAnnotations(), Does.ContainKey(HookSettings.EnabledKey).WithValue("true"), "the pod example opts in");
        });
    }

    [Test]
    public void The_pod_example_is_traced_with_just_the_syscalls_it_names()
    {
        var annotations = CriExamples.PodAnnotations();
        var syscalls = annotations[HookSettings.SyscallsKey].Split(',');
        var pod = _node.Pod(Unique("oft-ns"), "traced", annotations);
        var (podId, id) = Start(pod, $"cat /etc/nothing-here; cat {Tracing}/trace");
        WaitForState(id, CriContainerState.Exited);
        var output = CriNode.ContainerOutput(pod, "app.log");
        var events = System.Text.RegularExpressions.Regex.Matches(output, @": sys_(\w+)[( ]").Select(m => m.Groups[1].Value).Distinct().ToArray();
        Assert.That(events, Does.Contain("openat"), output);
        Assert.That(events, Is.SubsetOf(syscalls), "only the syscalls the pod annotation names: " + output);

        var show = HookProcess.Run("", "show", "traced/app", "--save-dir", _node.SaveDir, "-Z");
        Assert.That(show.ExitCode, Is.Zero, show.ToString());
        Assert.That(show.Stdout, Does.Match(@"openat\(AT_FDCWD, 0x[0-9a-f]+, O_RDONLY\) = -1 ENOENT"), show.Stdout);
        _node.Cri.RemoveContainer(id);
        _node.Cri.StopPodSandbox(podId);
        _node.Cri.RemovePodSandbox(podId);
    }

    [Test]
    public void Under_the_default_opt_in_every_pod_of_the_class_is_traced_unless_it_opts_out()
    {
        _node.ShimOptIn("runtime");
        try
        {
            foreach (var (annotations, traced) in new[]
                     {
                         (new Dictionary<string, string>(), true),
                         (new Dictionary<string, string> { [HookSettings.EnabledKey] = "false" }, false),
                     })
            {
                var pod = _node.Pod(Unique("oft-ns"), Unique("oft-pod"), annotations);
                var (podId, id) = Start(pod, $"ls {Tracing}; echo done");
                var status = WaitForState(id, CriContainerState.Exited);
                var output = CriNode.ContainerOutput(pod, "app.log");
                Assert.That(status.ExitCode, Is.Zero, output);
                Assert.That(output, traced ? Does.Contain("trace_marker") : Does.Not.Contain("trace_marker"), $"annotations {string.Join(",", annotations)}: {output}");
                _node.Cri.RemoveContainer(id);
                _node.Cri.StopPodSandbox(podId);
                _node.Cri.RemovePodSandbox(podId);
                Assert.That(WaitForSavedTrace(pod, "app", traced ? null : TimeSpan.FromSeconds(2)), traced ? Is.Not.Null : Is.Null);
            }
        }
        finally
        {
            _node.ShimOptIn("annotation");
        }
    }

    /// <summary>What the traced handler adds to a container's start (CreateContainer to its exit
    /// seen by ContainerStatus) and to its removal (RemoveContainer, where poststop runs), against
    /// the plain runc handler, alternating, in one pod each. Prints the medians; asserts only that
    /// every traced container was traced and saved and no untraced one was.</summary>
    [Test]
    public void Measure_what_the_traced_handler_adds_to_a_container_start_and_removal()
    {
        // BENCH_ROUNDS for a steadier figure than the suite's quick one.
        var roundCount = int.TryParse(Environment.GetEnvironmentVariable("BENCH_ROUNDS"), out var rounds) && rounds > 0 ? rounds : 8;
        var plain = _node.Pod(Unique("oft-ns"), Unique("oft-plain"), new Dictionary<string, string>());
        var traced = Pod(optIn: true);
        var plainPod = _node.Cri.RunPodSandbox(plain, "runc");
        var tracedPod = _node.Cri.RunPodSandbox(traced, CriNode.TracedHandler);
        var times = new Dictionary<string, List<double>> { ["plain-start"] = [], ["plain-remove"] = [], ["traced-start"] = [], ["traced-remove"] = [] };
        for (var i = 0; i < roundCount; i++)
        {
            foreach (var (kind, pod, podId) in new[] { ("plain", plain, plainPod), ("traced", traced, tracedPod) })
            {
                var name = $"c{i}";
                var watch = System.Diagnostics.Stopwatch.StartNew();
                var id = _node.Cri.CreateContainer(podId, pod, name, CriNode.Image, ["sh", "-c", "echo > /dev/null"], name + ".log");
                _node.Cri.StartContainer(id);
                while (_node.Cri.ContainerStatus(id).State != CriContainerState.Exited)
                {
                    if (watch.Elapsed > TimeSpan.FromSeconds(60)) Assert.Fail($"{kind} container {name} did not exit");
                    Thread.Sleep(5);
                }
                times[kind + "-start"].Add(watch.Elapsed.TotalMilliseconds);
                watch.Restart();
                _node.Cri.RemoveContainer(id);
                times[kind + "-remove"].Add(watch.Elapsed.TotalMilliseconds);
                var saved = WaitForSavedTrace(pod, name, kind == "traced" ? null : TimeSpan.Zero);
                Assert.That(saved, kind == "traced" ? Is.Not.Null : Is.Null, $"{kind} container {name}");
            }
        }
        static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
        TestContext.Out.WriteLine("BENCH cri rounds=" + roundCount + " " + string.Join(" ", times.Select(t => $"{t.Key}_ms={Median(t.Value):F0}")) +
                                  $" start_ratio={Median(times["traced-start"]) / Median(times["plain-start"]):F2}" +
                                  $" remove_ratio={Median(times["traced-remove"]) / Median(times["plain-remove"]):F2}");
        foreach (var podId in new[] { plainPod, tracedPod })
        {
            _node.Cri.StopPodSandbox(podId);
            _node.Cri.RemovePodSandbox(podId);
        }
    }
}
