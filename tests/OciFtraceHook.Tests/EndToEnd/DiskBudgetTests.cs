using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>hook.conf's disk budget with real runs: a container id over its own limit loses its
/// oldest traces once its instance is collected (the detached step after poststop keeps the
/// budget, off the container's path), its newest trace stays, and another id's traces are untouched.</summary>
[Category("EndToEnd")]
public class DiskBudgetTests : OneBundleTests
{
    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("budget").WithHook(HookBinary.Path);
    }

    /// <summary>A trace as the hook names them, of <paramref name="containerId"/>, a day old.</summary>
    private string OldTrace(string containerId, string stamp, int bytes)
    {
        var path = Path.Combine(Bundle.SaveDir, $"{InstanceName.For(containerId)}-1-1-{stamp}.trace");
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-1));
        return path;
    }

    [Test]
    public void A_container_over_its_own_limit_loses_its_oldest_trace_and_no_other()
    {
        const string id = "oft-test-budget";
        var mine = OldTrace(id, "20260101T000000Z", 2 << 20);
        var others = OldTrace("oft-test-neighbour", "20260101T000000Z", 512 << 10);
        Bundle.HostConfig("max-saved-mb-per-container = 1\n").Script("true");

        var result = Runc.Run(Bundle, id);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "the detached gc ran");

        var left = Directory.GetFiles(Bundle.SaveDir);
        Assert.Multiple(() =>
        {
            Assert.That(left, Does.Not.Contain(mine), "its own oldest trace went");
            Assert.That(left, Does.Contain(others), "another container's trace, within its own limit, stays");
            Assert.That(left.Count(f => Path.GetFileName(f).StartsWith(InstanceName.For(id) + "-", StringComparison.Ordinal)), Is.EqualTo(1),
                "the trace just saved stays");
        });
    }

    /// <summary>The attack of a tenant on another's evidence: a small trace saved, then another id
    /// fills a buffer larger than the whole budget. Before, the budget removed the small trace to
    /// make room; now the big one is dropped for itself.</summary>
    [Test]
    public void A_save_larger_than_the_whole_budget_never_removes_another_containers_trace()
    {
        Bundle.HostConfig("max-saved-mb = 2\n").Script("cat /nonexistent 2>/dev/null; true");
        var small = Runc.Run(Bundle, "oft-test-budget-small");
        Assert.That(small.ExitCode, Is.Zero, small.ToString());
        var smallTrace = Bundle.SavedTraces().Single();

        Bundle.Annotate("org.ociftracehook.buffer-size-kb", "4096").Script("dd if=/dev/zero of=/dev/null bs=1 count=150000 2>/dev/null; true");
        var big = Runc.Run(Bundle, "oft-test-budget-big");
        Assert.That(big.ExitCode, Is.Zero, big.ToString());
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "the detached gc ran");

        Assert.That(Bundle.SavedTraces(), Is.EqualTo(new[] { smallTrace }),
            "the small trace stays; the trace larger than the budget was dropped for itself");
    }

    [Test]
    public void A_tenant_over_its_share_loses_its_own_oldest_trace_and_another_tenants_stays()
    {
        const string Tenant = "io.kubernetes.pod.namespace";
        string OldOf(string id, string tenant, int bytes)
        {
            var path = OldTrace(id, "20260101T000000Z", 0);
            File.WriteAllText(path, $"# oci-ftrace-hook: container {id}\n# oci-ftrace-hook: tenant {Tenant}={tenant}\n" + new string('x', bytes));
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-1));
            return path;
        }
        var mine = OldOf("oft-test-tenant-old", "shop", 2 << 20);
        var others = OldOf("oft-test-tenant-other", "blog", 512 << 10);
        Bundle.HostConfig($"max-saved-mb-per-tenant = 1\ntenant-annotations = {Tenant}\n").Annotate(Tenant, "shop").Script("true");

        var result = Runc.Run(Bundle, "oft-test-tenant-new");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "the detached gc ran");

        var left = Directory.GetFiles(Bundle.SaveDir);
        Assert.That(left, Does.Not.Contain(mine), "the tenant's own oldest trace, of another of its containers, went");
        Assert.That(left, Does.Contain(others), "another tenant's trace, within its share, stays");
        Assert.That(left.Count(f => Path.GetFileName(f).StartsWith(InstanceName.For("oft-test-tenant-new") + "-", StringComparison.Ordinal)), Is.EqualTo(1));
        using var saved = File.OpenRead(left.Single(f => f != others));
        Assert.That(OciFtraceHook.TraceDat.TraceDatFile.ReadMetadata(saved)?.Tenant, Is.EqualTo($"{Tenant}=shop"), "the trace carries its tenant");
    }

    /// <summary>An id chosen as another id's stem ("victim-HASH") names its traces so that their
    /// names read as the victim's: before, they spent the victim's share and its trace went.</summary>
    [Test]
    public void An_id_that_embeds_another_ids_stem_does_not_spend_that_ids_share()
    {
        const string Victim = "oft-test-victim";
        var borrower = InstanceName.For(Victim)[InstanceName.Prefix.Length..]; // "oft-test-victim-<hash>"
        string Old(string id, int daysAgo)
        {
            var path = Path.Combine(Bundle.SaveDir, $"{InstanceName.For(id)}-1-1-20260101T000000Z.trace");
            File.WriteAllText(path, $"# oci-ftrace-hook: container {id}\n" + new string('x', 700 << 10));
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddDays(-daysAgo));
            return path;
        }
        var victims = Old(Victim, 2);
        var borrowers = Old(borrower, 1);
        Assert.That(Path.GetFileName(borrowers), Does.StartWith(InstanceName.For(Victim) + "-"), "by name, the borrower's trace reads as the victim's");
        Bundle.HostConfig("max-saved-mb-per-container = 1\n").Script("true");

        var result = Runc.Run(Bundle, borrower);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "the detached gc ran");

        var left = Directory.GetFiles(Bundle.SaveDir);
        Assert.That(left, Does.Contain(victims), "the victim's trace stays");
        Assert.That(left, Does.Contain(borrowers), "the borrower, within its own share, keeps its own");
        Assert.That(left, Has.Length.EqualTo(3));
    }
}
