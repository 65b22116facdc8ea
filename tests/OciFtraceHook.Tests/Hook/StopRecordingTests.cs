using OciFtraceHook.Hook;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.HookTests;

/// <summary>The stop-after watcher against a temporary directory standing in for tracefs: when it
/// stops an instance (the time is up, or the buffer has filled), what stopping writes, and when it
/// ends touching nothing. (The kernel's side is in the end-to-end StopAfterTests.)</summary>
public class StopRecordingTests
{
    private const string Name = "oci-ftrace-web-1-0123456789abcdef-a";
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private string _root = null!;
    private TraceInstance _instance = null!;
    private InstanceRecords _records = null!;

    [SetUp]
    public void CreateStandIns()
    {
        _root = Directory.CreateTempSubdirectory("stop-recording-").FullName;
        var traceFs = new TraceFs(Path.Combine(_root, "tracing"));
        _instance = traceFs.Instance(Name);
        Write("tracing_on", "1\n");
        Write("events/syscalls/enable", "1\n");
        Write(InstanceSetup.NewTaskEnable, "1\n");
        Write(TraceInstance.ExecTrigger, "traceon if pid == 4242\n");
        Stats(0, dropped: 0);
        Stats(1, dropped: 0);
        _records = new InstanceRecords(Path.Combine(_root, "records"));
        _records.EnsureDir();
        // The container's init stands for a live one: this test process.
        var self = Environment.ProcessId;
        _records.Write(Name, new InstanceRecord
        {
            ContainerId = "web-1", Bundle = "/bundles/web-1", Pid = self, PidStartTime = StartTimeOf(self),
            SaveDir = "/var/lib/oci-ftrace-hook/traces", Created = DateTimeOffset.UtcNow,
        });
    }

    [TearDown]
    public void RemoveStandIns() => Directory.Delete(_root, recursive: true);

    private void Write(string relative, string text)
    {
        var path = _instance.FilePath(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private string Read(string relative) => File.ReadAllText(_instance.FilePath(relative));

    /// <summary>per_cpu/cpuN/stats as the kernel prints it.</summary>
    private void Stats(int cpu, long dropped, long overrun = 0) =>
        Write($"per_cpu/cpu{cpu}/stats",
            $"entries: 120\noverrun: {overrun}\ncommit overrun: 0\nbytes: 4032\noldest event ts:  3080.672931\n" +
            $"now ts:  3081.000000\ndropped events: {dropped}\nread events: 0\n");

    private static ulong StartTimeOf(int pid) =>
        ulong.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[19]);

    private Task<bool> Watch(TimeSpan? after) =>
        Task.Run(() => StopRecording.Run(Name, after, _records, () => _instance, Poll));

    private void AssertStillRecording()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Read("tracing_on"), Is.EqualTo("1\n"));
            Assert.That(Read("events/syscalls/enable"), Is.EqualTo("1\n"));
            Assert.That(Read(TraceInstance.ExecTrigger), Does.StartWith("traceon"));
        });
    }

    private void AssertStopped()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Read("tracing_on"), Is.EqualTo("0\n"), "tracing off");
            Assert.That(Read("events/syscalls/enable"), Is.EqualTo("0\n"), "events off: no tax on the host");
            Assert.That(Read(InstanceSetup.NewTaskEnable), Is.EqualTo("0\n"), "nor on its forks");
            Assert.That(Read(TraceInstance.ExecTrigger), Does.StartWith("!traceon\n"), "the exec trigger had not fired: it is dropped");
        });
    }

    [Test]
    public void When_full_it_waits_while_the_buffer_has_room_and_stops_once_a_cpu_drops_events()
    {
        var watcher = Watch(after: null);
        // Many looks at a buffer with room change nothing.
        Thread.Sleep(Poll * 20);
        Assert.That(watcher.IsCompleted, Is.False, "still watching");
        AssertStillRecording();

        Stats(1, dropped: 17);
        Assert.That(watcher.Wait(Patience), Is.True, "the watcher ends once the buffer has filled");
        Assert.That(watcher.Result, Is.True);
        AssertStopped();
    }

    [Test]
    public void When_full_an_overrun_counts_as_full_too()
    {
        var watcher = Watch(after: null);
        Stats(0, dropped: 0, overrun: 3);
        Assert.That(watcher.Wait(Patience) && watcher.Result, Is.True);
        AssertStopped();
    }

    [Test]
    public void After_a_duration_it_stops_whatever_the_buffer_holds()
    {
        Assert.That(StopRecording.Run(Name, TimeSpan.FromMilliseconds(30), _records, () => _instance, Poll), Is.True);
        AssertStopped();
    }

    [Test]
    public void It_ends_touching_nothing_when_the_container_has_ended()
    {
        var watcher = Watch(after: null);
        using (var ended = System.Diagnostics.Process.Start("true")!)
        {
            ended.WaitForExit();
            var record = _records.Read(Name)!;
            _records.Write(Name, record with { Pid = ended.Id });
        }
        Assert.That(watcher.Wait(Patience), Is.True);
        Assert.That(watcher.Result, Is.False);
        Stats(0, dropped: 9); // filled after the end: nobody looks any more
        AssertStillRecording();
    }

    [Test]
    public void It_ends_touching_nothing_once_the_trace_is_saved_or_the_record_is_another_start_s()
    {
        var watcher = Watch(after: null);
        _records.Write(Name, _records.Read(Name)! with { SavedTo = "/var/lib/oci-ftrace-hook/traces/x.dat" });
        Assert.That(watcher.Wait(Patience) && !watcher.Result, Is.True);

        _records.Write(Name, _records.Read(Name)! with { SavedTo = null, PidStartTime = 1 });
        Assert.That(StopRecording.Run(Name, null, _records, () => _instance, Poll), Is.False, "a record of another start");
        AssertStillRecording();
    }

    [Test]
    public void It_ends_when_the_instance_is_gone_and_never_starts_without_a_record()
    {
        Directory.Delete(_instance.Dir, recursive: true);
        Assert.That(StopRecording.Run(Name, null, _records, () => _instance, Poll), Is.False);
        _records.Delete(Name);
        Assert.That(StopRecording.Run(Name, TimeSpan.FromMilliseconds(1), _records, () => _instance, Poll), Is.False);
    }

    [Test]
    public void A_trigger_that_has_fired_is_left_in_place_as_dropping_it_costs_the_kernel_rcu_waits()
    {
        // As the kernel prints a `traceon:1` trigger once it turned tracing on.
        Write(TraceInstance.ExecTrigger, "traceon:count=0 if pid == 4242\n");
        Assert.That(StopRecording.Run(Name, TimeSpan.FromMilliseconds(1), _records, () => _instance, Poll), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(Read("tracing_on"), Is.EqualTo("0\n"));
            Assert.That(Read(TraceInstance.ExecTrigger), Is.EqualTo("traceon:count=0 if pid == 4242\n"), "spent: it can never fire again");
        });
    }
}
