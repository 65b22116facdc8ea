using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>By default a tracing failure refuses the container (its owner asked for tracing);
/// on-failure=warn lets it start untraced, with nothing left behind.</summary>
[Category("EndToEnd")]
public class FailurePolicyTests : OneBundleTests
{

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("policy").WithHook(HookBinary.Path).Script("echo PROGRAM-RAN")
            .Annotate(HookSettings.SyscallsKey, "openat,nosuchcall"); // fails after the instance was made
    }

    [Test]
    public void By_default_a_failure_refuses_the_container()
    {
        var result = Runc.Run(Bundle);
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Stdout, Does.Not.Contain("PROGRAM-RAN"));
    }

    [Test]
    public void With_warn_the_container_starts_untraced()
    {
        Bundle.Annotate(HookSettings.OnFailureKey, "warn");
        var result = Runc.Run(Bundle);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Is.EqualTo("PROGRAM-RAN\n"));
        Assert.That(Bundle.SavedTraces(), Is.Empty, "it was not traced");
    }

    [Test]
    public void A_bad_policy_value_is_itself_refused()
    {
        Bundle.Annotate(HookSettings.OnFailureKey, "ignore");
        var result = Runc.Run(Bundle);
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.Stderr, Does.Contain("annotation org.ociftracehook.on-failure=ignore: expected refuse or warn"));
    }
}
