using OciFtraceHook.Records;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>An instance kept open after its container ended: a descriptor of its trace_marker held
/// outside the container (a sidecar can be handed one over a unix socket; here the test holds it).
/// rmdir then fails with EBUSY for as long as it is held. Before, the instance kept its whole ring
/// buffer that long; now gc disarms it and shrinks its buffer, names the holder, and removes it at
/// the first gc after the descriptor is closed.</summary>
[Category("EndToEnd")]
public class PinnedInstanceTests : OneBundleTests
{
    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("pinned").WithHook(HookBinary.Path);
    }

    private static InstanceRecord? Record(string name) => new InstanceRecords().Read(name);

    [Test]
    public void An_instance_held_open_costs_nothing_and_goes_at_the_first_gc_once_closed()
    {
        Bundle.Annotate("org.ociftracehook.buffer-size-kb", "4096").Script("cat /nonexistent 2>/dev/null; sleep 1");
        using var container = CreatedContainer.Create(Bundle);
        container.Start();
        var name = Wait.Until(() => TestHost.InstancesOf(container.Id), n => n.Length == 1, TimeSpan.FromSeconds(10), "the instance")[0];
        var dir = Path.Combine(TestHost.TraceFsRoot, "instances", name);
        var held = File.OpenHandle(Path.Combine(dir, "trace_marker"), FileMode.Open, FileAccess.Write);
        try
        {
            container.WaitUntilStopped(TimeSpan.FromSeconds(20));
            container.Delete(); // poststop: its detached gc saves, then cannot remove
            Wait.Until(() => Record(name), r => r?.PinnedSince is not null, TimeSpan.FromSeconds(60), "gc to find the instance held open");

            Assert.Multiple(() =>
            {
                Assert.That(int.Parse(File.ReadAllText(Path.Combine(dir, "buffer_size_kb")).Trim()), Is.LessThanOrEqualTo(8), "shrunk to the smallest");
                Assert.That(File.ReadAllText(Path.Combine(dir, "tracing_on")).Trim(), Is.EqualTo("0"));
                Assert.That(File.ReadAllText(Path.Combine(dir, "events", "enable")).Trim(), Is.EqualTo("0"), "every event off");
                Assert.That(File.ReadAllText(Path.Combine(dir, "set_event_pid")).Trim(), Is.Empty, "no pid filter left");
                Assert.That(Record(name)!.RingBufferBytes, Is.Zero, "it counts against no cap");
                Assert.That(Record(name)!.SavedTo, Is.Not.Null, "its trace was saved first");
            });
            var shown = HookProcess.Run("", "show", container.Id, "--save-dir", Bundle.SaveDir);
            Assert.That(shown.Stdout, Does.Contain("= -1 ENOENT"), shown.ToString());

            var gc = HookProcess.Run("", "gc");
            Assert.That(gc.Stderr, Does.Contain($"instance {name} cannot be removed: a file of it is held open by pid {Environment.ProcessId} ("),
                "gc names the holder: " + gc);
            Assert.That(TestHost.InstancesOf(container.Id), Has.Length.EqualTo(1), "still held");
        }
        finally
        {
            held.Dispose();
        }
        var after = HookProcess.Run("", "gc");
        Assert.That(after.ExitCode, Is.Zero, after.ToString());
        Assert.That(TestHost.InstancesOf(container.Id), Is.Empty, "the first gc after the descriptor closed removed it");
        Assert.That(Record(name), Is.Null, "and its record");
    }
}
