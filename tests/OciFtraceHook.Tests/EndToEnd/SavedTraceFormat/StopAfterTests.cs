using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.EndToEnd.SavedTraceFormat;

/// <summary>The stop-after annotation: a container records for the given time, then its events go
/// off in its instance (so it no longer taxes the host's syscalls) and it keeps what it recorded.</summary>
[Category("EndToEnd")]
public class StopAfterTests : OneBundleTests
{
    private const string Tracing = "/sys/kernel/tracing";

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("stopafter").WithHook(HookBinary.Path);
    }

    [Test]
    public void Recording_stops_after_the_duration_and_the_trace_is_kept()
    {
        Bundle.Annotate(HookSettings.StopAfterKey, "1s")
            .Script($"echo MARK-before > {Tracing}/trace_marker; cat /etc/probe.txt >/dev/null; sleep 4; " +
                    $"echo MARK-after > {Tracing}/trace_marker; cat /nonexistent-after 2>/dev/null; true");
        using var container = CreatedContainer.Create(Bundle);
        container.Start();
        var instance = InstanceDir(container.Id);
        Thread.Sleep(2500);
        Assert.That(File.ReadAllText(Path.Combine(instance, "tracing_on")).Trim(), Is.EqualTo("0"), "recording is off while the container still runs");
        Assert.That(File.ReadAllText(Path.Combine(instance, "events/syscalls/enable")).Trim(), Is.EqualTo("0"), "its syscall events are off: no cost to the host");
        Assert.That(File.ReadAllText(Path.Combine(instance, "trace")), Does.Contain("MARK-before"), "what it recorded is still there");

        container.WaitUntilStopped(TimeSpan.FromSeconds(20));
        container.Delete();
        var text = SavedTraceText.Read(Bundle.SavedTraces().Single());
        Assert.That(text, Does.Contain("MARK-before"));
        Assert.That(text, Does.Not.Contain("MARK-after"));
        Assert.That(TraceLine.Parse(text).Any(l => l.Event == "sys_openat"), Is.True, "the calls before the stop are kept");
        Assert.That(TraceLine.Parse(text).Any(l => l.Event == "sys_exit_group" && l.Pid == container.Pid), Is.False,
            "nothing after the stop is recorded: the shell's own exit is not there (cat's, before the stop, is)");
    }

    /// <summary>The container's instance: its name carries the id (and the start's init).</summary>
    private static string InstanceDir(string id) =>
        Directory.GetDirectories(Path.Combine(Tracing, "instances"), $"*{id}*").Single();
}
