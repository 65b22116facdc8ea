using System.Text.Json.Nodes;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: the hook registered where it runs inside the container (createContainer or
/// startContainer): its mounts and files would land in the container's view, and it would read
/// the container's. It refuses, before it reads or makes anything.</summary>
[Category("EndToEnd")]
public class HookPlacementTests : OneBundleTests
{
    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("placed").Script("echo PROGRAM-RAN");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Placed_as_createContainer_the_hook_refuses(bool newPidNamespace)
    {
        Bundle.Config["hooks"] = new JsonObject
        {
            ["createContainer"] = new JsonArray(new JsonObject
            {
                ["path"] = HookBinary.Path, ["args"] = new JsonArray("oci-ftrace-hook", "--config", Bundle.ConfigPath),
            }),
        };
        if (!newPidNamespace)
        {
            // Without a PID namespace of its own the state's pid is the init's host PID: the mount
            // namespace gives the hook away.
            var namespaces = Bundle.Config["linux"]!["namespaces"]!.AsArray();
            foreach (var pid in namespaces.Where(n => n!["type"]!.GetValue<string>() == "pid").ToArray()) namespaces.Remove(pid);
        }
        var recordsBefore = TestHost.HookRecords().Length;

        var result = Runc.Run(Bundle);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
            Assert.That(result.Stdout, Does.Not.Contain("PROGRAM-RAN"));
            Assert.That(result.Stderr, Does.Contain("register it as a prestart or createRuntime hook, not createContainer or startContainer"));
            Assert.That(TestHost.HookInstances(), Is.Empty, "no instance was made");
            Assert.That(TestHost.HookRecords(), Has.Length.EqualTo(recordsBefore), "no record was made");
        });
    }
}
