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
        // The time counts from prestart's end, not from the exec that starts the recording: 3 s
        // leave room for `runc start` on a slow host.
        Bundle.Annotate(HookSettings.StopAfterKey, "3s")
            .Script($"echo MARK-before > {Tracing}/trace_marker; cat /etc/probe.txt >/dev/null; sleep 6; " +
                    $"echo MARK-after > {Tracing}/trace_marker; cat /nonexistent-after 2>/dev/null; true");
        using var container = CreatedContainer.Create(Bundle);
        container.Start();
        var instance = InstanceDir(container.Id);
        // Not tracing_on: it is 0 too until the program's exec turns it on, which `runc start` does
        // not wait for. Stopping writes events/syscalls/enable after tracing_on.
        Wait.Until(() => File.ReadAllText(Path.Combine(instance, "events/syscalls/enable")).Trim(), on => on == "0", TimeSpan.FromSeconds(15),
            "its syscall events to be off after 3 s (no cost to the host), while the container still runs (it sleeps 6 s)");
        Assert.That(File.ReadAllText(Path.Combine(instance, "tracing_on")).Trim(), Is.EqualTo("0"), "recording is off");
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

    [Test]
    public void A_new_exec_of_the_init_after_the_stop_does_not_turn_recording_on_again()
    {
        // The init execs again after the stop: a `traceon if pid == INIT` trigger on
        // sched_process_exec that fired at every exec would turn tracing on again, and the marker
        // written then would be recorded.
        Bundle.Annotate(HookSettings.StopAfterKey, "3s")
            .Script($"echo MARK-before > {Tracing}/trace_marker; sleep 5; " +
                    $"exec sh -c 'echo MARK-after-exec > {Tracing}/trace_marker; cat /nonexistent-after 2>/dev/null; sleep 1; true'");
        using var container = CreatedContainer.Create(Bundle);
        container.Start();
        var instance = InstanceDir(container.Id);
        // Stopping writes events/syscalls/enable last (tracing_on is 0 before the exec too).
        Wait.Until(() => File.ReadAllText(Path.Combine(instance, "events/syscalls/enable")).Trim(), on => on == "0", TimeSpan.FromSeconds(20),
            "the stop after 3 s");
        container.WaitUntilStopped(TimeSpan.FromSeconds(30));
        container.Delete();

        var text = SavedTraceText.Read(Bundle.SavedTraces().Single());
        Assert.That(text, Does.Contain("MARK-before"));
        Assert.That(text, Does.Not.Contain("MARK-after-exec"), "stopped stays stopped: the exec did not turn recording on again");
    }

    [Test]
    public void A_stop_before_the_program_starts_keeps_its_first_exec_from_turning_recording_on()
    {
        // runc create now, runc start after the stop: the exec trigger has not fired yet.
        Bundle.Annotate(HookSettings.StopAfterKey, "1s")
            .Script($"echo MARK-after-start > {Tracing}/trace_marker; cat /etc/probe.txt >/dev/null; true");
        using var container = CreatedContainer.Create(Bundle);
        var instance = InstanceDir(container.Id);
        Wait.Until(() => File.ReadAllText(Path.Combine(instance, "events/syscalls/enable")).Trim(), on => on == "0", TimeSpan.FromSeconds(20),
            "the stop after 1 s");
        Assert.That(File.ReadLines(Path.Combine(instance, TraceInstance.ExecTrigger)).Where(l => !l.StartsWith('#')), Is.Empty,
            "the trigger that had not fired is dropped");

        container.Start();
        container.WaitUntilStopped(TimeSpan.FromSeconds(30));
        container.Delete();
        var text = SavedTraceText.Read(Bundle.SavedTraces().Single());
        Assert.That(text, Does.Not.Contain("MARK-after-start"), "the program's start did not turn recording on");
    }

    [Test]
    public void Full_stops_recording_when_the_buffer_first_fills_and_keeps_the_start()
    {
        // A buffer of a few pages per CPU that a dd of one-byte reads and writes fills at once.
        Bundle.Annotate(HookSettings.StopAfterKey, "full").Annotate(HookSettings.BufferSizeKey, "8")
            .Script($"echo MARK-before > {Tracing}/trace_marker; cat /etc/probe.txt >/dev/null; " +
                    "dd if=/dev/zero of=/dev/null bs=1 count=20000 2>/dev/null; sleep 3; " +
                    $"echo MARK-after > {Tracing}/trace_marker; true");
        using var container = CreatedContainer.Create(Bundle);
        container.Start();
        var instance = InstanceDir(container.Id);
        Assert.That(File.ReadAllText(Path.Combine(instance, "options/overwrite")).Trim(), Is.EqualTo("0"), "the buffer keeps its oldest events");
        // Stopping writes events/syscalls/enable last (tracing_on is 0 before the exec too).
        Wait.Until(() => File.ReadAllText(Path.Combine(instance, "events/syscalls/enable")).Trim(), on => on == "0", TimeSpan.FromSeconds(20),
            "recording to stop once the buffer filled: its syscall events off, no cost to the host");
        Assert.That(File.ReadAllText(Path.Combine(instance, "tracing_on")).Trim(), Is.EqualTo("0"), "tracing is off");
        Assert.That(Directory.GetDirectories(Path.Combine(instance, "per_cpu"), "cpu*").SelectMany(cpu => File.ReadLines(Path.Combine(cpu, "stats")))
            .Any(l => l.StartsWith("dropped events:", StringComparison.Ordinal) && l != "dropped events: 0"), Is.True, "it stopped because the buffer was full");
        Assert.That(File.ReadAllText(Path.Combine(instance, "trace")), Does.Contain("MARK-before"), "the start of the trace is kept");

        container.WaitUntilStopped(TimeSpan.FromSeconds(30));
        container.Delete();
        var saved = Bundle.SavedTraces().Single();
        var text = SavedTraceText.Read(saved);
        Assert.That(text, Does.Contain("MARK-before"));
        Assert.That(text, Does.Not.Contain("MARK-after"));
        Assert.That(SavedTraceText.LostEvents(saved), Is.GreaterThan(0), "the events the full buffer refused are counted");
        Assert.That(TraceLine.Parse(text).Any(l => l.Event == "sys_openat"), Is.True, "the calls from the start are kept");

        var shown = HookProcess.Run("", "show", "--file", saved);
        Assert.That(shown.ExitCode, Is.Zero, shown.ToString());
        Assert.That(shown.Stdout, Does.Contain("openat(").And.Contain("MARK-before"), shown.ToString());
        // Poststop and gc remove the instance all the same: the teardown fails on anything left.
    }

    [Test]
    public void The_watcher_of_a_container_that_ends_before_its_buffer_fills_ends_with_it_touching_nothing()
    {
        Bundle.Annotate(HookSettings.StopAfterKey, "full")
            .Script($"echo MARK-whole > {Tracing}/trace_marker; sleep 1; true");
        using var container = CreatedContainer.Create(Bundle);
        var instance = Path.GetFileName(InstanceDir(container.Id));
        var watcher = Wait.Until(() => WatcherOf(instance), pid => pid is not null, TimeSpan.FromSeconds(20), "the watcher to start");
        // It may run for hours: it starts as clean as the detached gc.
        DetachedProcess.AssertStartedClean(watcher!.Value);
        container.Start();
        container.WaitUntilStopped(TimeSpan.FromSeconds(30));
        container.Delete();
        Wait.Until(() => Directory.Exists($"/proc/{watcher}") && WatcherOf(instance) == watcher, running => !running, TimeSpan.FromSeconds(20),
            "the watcher to end with its container");
        var saved = Bundle.SavedTraces().Single();
        Assert.That(SavedTraceText.Read(saved), Does.Contain("MARK-whole"));
        Assert.That(SavedTraceText.LostEvents(saved), Is.Zero, "the buffer never filled");
    }

    /// <summary>The PID of the stop-after watcher of <paramref name="instance"/>, if one runs.</summary>
    private static int? WatcherOf(string instance)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string[] args;
            try
            {
                args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue; // ended meanwhile
            }
            if (args.Contains("stop-recording") && args.Contains(instance)) return pid;
        }
        return null;
    }

    /// <summary>The container's instance: its name carries the id (and the start's init).</summary>
    private static string InstanceDir(string id) =>
        Directory.GetDirectories(Path.Combine(Tracing, "instances"), $"*{id}*").Single();
}
