using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: containers that each ask for the largest ring buffer, or simply many traced
/// containers, pinning host memory the kernel charges to no container's cgroup. hook.conf caps the
/// buffers of all instances together and the number of traced containers; concurrent prestarts are
/// admitted one at a time, so they cannot overshoot together; a start beyond follows on-failure.</summary>
[Category("EndToEnd")]
public class HostLimitsTests
{
    private const string Tracing = "/sys/kernel/tracing";
    private readonly List<BusyboxBundle> _bundles = [];

    [SetUp]
    public void Require() => HostRequirements.RequireRuncAndTraceFs();

    [TearDown]
    public void NothingIsLeftBehind()
    {
        var made = _bundles.ToArray();
        _bundles.Clear();
        TestHost.DisposeAndAssertNothingLeft(made, TimeSpan.FromSeconds(60));
    }

    private BusyboxBundle NewBundle(string name, string hostConfig, string script)
    {
        var bundle = BusyboxBundle.Create(name).WithHook(HookBinary.Path).HostConfig(hostConfig).Script(script);
        _bundles.Add(bundle);
        return bundle;
    }

    /// <summary>Before, one tenant starting a few large containers filled max-ring-buffer-mb and
    /// every other tenant's traced start was refused. Now a tenant has its own cap: at it, it is
    /// refused alone, with a line naming that cap, and another tenant's start is traced.</summary>
    [Test]
    public void A_tenant_at_its_own_cap_is_refused_alone_and_another_tenant_is_traced()
    {
        // 8 MiB per CPU: a few containers' worth stays small on a host of many CPUs.
        var perContainerMb = 8 * RingBufferMemory.OnlineCpus();
        var conf = $"max-ring-buffer-mb = {perContainerMb * 3}\nmax-ring-buffer-mb-per-tenant = {perContainerMb * 2}\n" +
                   "tenant-annotations = io.kubernetes.pod.namespace\n";
        BusyboxBundle Of(string tenant, int i) => NewBundle($"tenant-{tenant}-{i}", conf, "sleep 3")
            .Annotate(HookSettings.BufferSizeKey, "8192").Annotate("io.kubernetes.pod.namespace", tenant);

        using var a1 = CreatedContainer.Create(Of("a", 1));
        using var a2 = CreatedContainer.Create(Of("a", 2));
        var a3 = Runc.Run(Of("a", 3));
        Assert.That(a3.ExitCode, Is.Not.Zero, "tenant a is at its cap: " + a3);
        Assert.That(a3.Stderr, Does.Contain($"would bring tenant io.kubernetes.pod.namespace=a's instances to {perContainerMb * 3} MiB: " +
                                           $"max-ring-buffer-mb-per-tenant in hook.conf allows {perContainerMb * 2} MiB"));
        var b1 = Runc.Run(Of("b", 1));
        Assert.That(b1.ExitCode, Is.Zero, "tenant b still starts, traced: " + b1);
        Assert.That(_bundles.Last().SavedTraces(), Has.Length.EqualTo(1));
    }

    [TestCase("refuse")]
    [TestCase("warn")]
    public void Four_containers_started_at_once_against_a_cap_with_room_for_two(string onFailure)
    {
        // Room for two of them (all CPUs counted), not three. Each runs long enough (8 s) that all
        // four overlap on a slow or loaded host; 8 MiB per CPU keeps them small on a host of many CPUs.
        var perContainerMb = 8 * RingBufferMemory.OnlineCpus();
        var cap = perContainerMb * 5 / 2;
        var bundles = Enumerable.Range(0, 4).Select(i => NewBundle($"cap-{i}", $"max-ring-buffer-mb = {cap}\n",
                $"sleep 8; echo MARK-{i} > {Tracing}/trace_marker 2>/dev/null; echo ran")
            .Annotate(HookSettings.BufferSizeKey, "8192").Annotate(HookSettings.OnFailureKey, onFailure)).ToArray();

        var results = bundles.AsParallel().WithDegreeOfParallelism(4).Select(b => Runc.Run(b)).ToArray();

        var traced = bundles.Count(b => b.SavedTraces().Length == 1);
        Assert.That(traced, Is.EqualTo(2), "two fit under the cap: " + string.Join("\n", results));
        if (onFailure == "refuse")
        {
            Assert.That(results.Count(r => r.ExitCode == 0), Is.EqualTo(2));
            Assert.That(results.Where(r => r.ExitCode != 0).Select(r => r.Stderr),
                Is.All.Contain($"max-ring-buffer-mb in hook.conf allows {cap} MiB"));
        }
        else
        {
            Assert.That(results.Select(r => r.ExitCode), Is.All.Zero, "beyond the cap they start untraced");
            Assert.That(results.Select(r => r.Stdout), Is.All.EqualTo("ran\n"));
        }
    }

    [Test]
    public void Max_traced_containers_is_a_host_wide_count()
    {
        const string config = "max-traced-containers = 1\n";
        var second = NewBundle("max-2", config, $"ls {Tracing} | wc -l").Annotate(HookSettings.OnFailureKey, "warn");
        var third = NewBundle("max-3", config, "echo PROGRAM-RAN");

        // Created, not started: its init lives, so it counts, for as long as the other two take.
        using var first = CreatedContainer.Create(NewBundle("max-1", config, "true"));
        var untraced = Runc.Run(second);
        var refused = Runc.Run(third);
        first.Start();
        first.WaitUntilStopped(TimeSpan.FromSeconds(20));
        first.Delete();
        Assert.Multiple(() =>
        {
            Assert.That(untraced.ExitCode, Is.Zero, untraced.ToString());
            Assert.That(untraced.Stdout, Is.EqualTo("0\n"), "with warn it starts untraced: no trace files");
            Assert.That(second.SavedTraces(), Is.Empty);
            Assert.That(refused.ExitCode, Is.Not.Zero, refused.ToString());
            Assert.That(refused.Stdout, Does.Not.Contain("PROGRAM-RAN"));
            Assert.That(refused.Stderr, Does.Contain("max-traced-containers in hook.conf allows 1"));
            Assert.That(first.Bundle.SavedTraces(), Has.Length.EqualTo(1));
        });
    }
}
