using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: one container id, two containers. A second runtime root (or a reused id) must
/// never stop, save early or remove the first container's instance; a reused id gets an instance
/// of its own at once.</summary>
[Category("EndToEnd")]
public class SameIdTests
{
    private const string Tracing = "/sys/kernel/tracing";
    private readonly List<IDisposable> _made = [];

    [SetUp]
    public void Require() => HostRequirements.RequireRuncAndTraceFs();

    [TearDown]
    public void NothingIsLeftBehind()
    {
        var made = _made.ToArray();
        _made.Clear();
        TestHost.DisposeAndAssertNothingLeft(made);
    }

    private BusyboxBundle NewBundle(string name)
    {
        var bundle = BusyboxBundle.Create(name).WithHook(HookBinary.Path);
        // Each its own cgroup: runc would otherwise put two containers with one id into one.
        bundle.Config["linux"]!["cgroupsPath"] = "/oft-" + Guid.NewGuid().ToString("N")[..12];
        _made.Add(bundle);
        return bundle;
    }

    private RuncRoot NewRoot()
    {
        var root = new RuncRoot();
        _made.Add(root);
        return root;
    }

    [Test]
    public void A_second_runtime_root_with_the_same_id_leaves_the_running_container_alone()
    {
        var id = "oft-same-" + Guid.NewGuid().ToString("N")[..8];
        const int marks = 30;
        var first = NewBundle("same-a").Script(
            $"i=0; while [ $i -lt {marks} ] || [ ! -e /tmp/go ]; do echo MARK-A-$i > {Tracing}/trace_marker || echo FAILED-$i; " +
            "if [ $i -eq 0 ]; then touch /tmp/marking; fi; i=$((i+1)); sleep 0.1; done; echo done");
        // The host sees it has begun by a file it makes in its rootfs, and it runs until the host
        // makes another: however long the second start takes.
        first.Config["root"]!["readonly"] = false;
        var second = NewBundle("same-b").Script($"echo MARK-B > {Tracing}/trace_marker");
        var rootA = NewRoot();
        var rootB = NewRoot();

        var runA = Task.Run(() => Runc.Run(first, id, rootA.Dir));
        Wait.Until(() => TestHost.InstancesOf(id).Length, n => n > 0 || runA.IsCompleted, TimeSpan.FromSeconds(20), "the first container's instance");
        Assert.That(TestHost.InstancesOf(id), Has.Length.EqualTo(1), "the first container is traced");
        // Not by reading its `trace`: a read pauses the recording (pause-on-trace), and a marker
        // written meanwhile is refused.
        Wait.Until(() => File.Exists(Path.Combine(first.Rootfs, "tmp", "marking")), marking => marking || runA.IsCompleted,
            TimeSpan.FromSeconds(10), "the first container to write its first marker");

        var runB = Runc.Run(second, id, rootB.Dir);
        var stillRunning = !runA.IsCompleted;
        File.WriteAllText(Path.Combine(first.Rootfs, "tmp", "go"), "");
        Assert.That(runB.ExitCode, Is.Not.Zero, "the second container with a running container's id is refused: " + runB);
        Assert.That(runB.Stderr, Does.Contain($"container id {id} is already traced by a running container"));
        Assert.That(stillRunning, Is.True, "the first container still runs while the second's poststop ran");

        var a = runA.Result;
        Assert.That(a.ExitCode, Is.Zero, a.ToString());
        Assert.That(a.Stdout, Is.EqualTo("done\n"), "every trace_marker write of the first container worked");
        var trace = File.ReadAllText(first.SavedTraces().Single());
        Assert.Multiple(() =>
        {
            for (var i = 0; i < marks; i++) Assert.That(trace, Does.Contain($"MARK-A-{i}\n"), $"marker {i} is in the first container's trace");
            Assert.That(trace, Does.Not.Contain("MARK-B"));
            Assert.That(second.SavedTraces(), Is.Empty, "the refused start saved nothing");
        });
    }

    [Test]
    public void A_reused_id_gets_its_own_instance_and_show_finds_the_newest_trace()
    {
        var id = "oft-again-" + Guid.NewGuid().ToString("N")[..8];
        var bundle = NewBundle("again");
        var runs = new List<ProcessResult>();
        for (var i = 1; i <= 3; i++)
        {
            // Back to back: the previous start's instance is still waiting for its removal.
            bundle.Script($"echo MARK-RUN-{i} > {Tracing}/trace_marker");
            runs.Add(Runc.Run(bundle, id));
        }
        Assert.That(runs.Select(r => r.ExitCode), Is.All.Zero, string.Join("\n", runs));
        var traces = bundle.SavedTraces().Select(File.ReadAllText).ToArray();
        Assert.That(traces, Has.Length.EqualTo(3), "one saved trace per start");
        for (var i = 1; i <= 3; i++)
            Assert.That(traces.Count(t => t.Contains($"MARK-RUN-{i}\n") && t.Split("MARK-RUN-").Length == 2), Is.EqualTo(1),
                $"run {i}'s marker is in exactly one trace, alone");

        var show = HookProcess.Run("", "show", id, "--save-dir", bundle.SaveDir);
        Assert.That(show.ExitCode, Is.Zero, show.ToString());
        Assert.That(show.Stdout, Does.Contain("--- trace_marker: MARK-RUN-3 ---").And.Not.Contain("MARK-RUN-2"), "show ID: the newest saved trace");
    }

    /// <summary>A runc state directory of its own (runc --root), as a second runtime on the host.</summary>
    private sealed class RuncRoot : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("oft-runc-root-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
