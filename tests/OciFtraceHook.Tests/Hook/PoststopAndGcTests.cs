using Microsoft.Extensions.Logging.Abstractions;
using OciFtraceHook.Hook;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.Tests.Logging;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.HookTests;

/// <summary>poststop and gc as orchestration, against a temporary directory standing in for
/// tracefs, records and a save directory: which start's instance they act on, what they write,
/// and what they leave to others. (The kernel's side is in the end-to-end tests.)</summary>
public class PoststopAndGcTests
{
    private const string Id = "web-1";
    private string _root = null!;
    private TraceFs _traceFs = null!;
    private InstanceRecords _records = null!;
    private HookConf _host = null!;
    private readonly List<string> _removalsStarted = [];

    [SetUp]
    public void CreateStandIns()
    {
        // Poststop acts only as root (without root prestart made nothing); save directories must be root's.
        if (!Environment.IsPrivilegedProcess) Assert.Ignore("needs root: poststop does nothing without it, save directories are root's");
        _root = Directory.CreateTempSubdirectory("poststop-gc-").FullName;
        _traceFs = new TraceFs(Path.Combine(_root, "tracing"));
        Directory.CreateDirectory(_traceFs.InstancesDir);
        _records = new InstanceRecords(Path.Combine(_root, "records"));
        var saveDir = Directory.CreateDirectory(Path.Combine(_root, "traces")).FullName;
        File.SetUnixFileMode(saveDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        _host = new HookConf { SaveDir = saveDir };
        _removalsStarted.Clear();
    }

    [TearDown]
    public void RemoveStandIns()
    {
        if (_root is not null) Directory.Delete(_root, recursive: true);
    }

    /// <summary>An instance as the hook leaves it: recording, with a trace, and its record.</summary>
    private string Instance(string tag, string bundle, int pid, ulong startTime, string? savedTo = null)
    {
        var name = $"{InstanceName.For(Id)}-{tag}"; // as prestart names it: poststop reads the records of its id's stem
        var instance = _traceFs.Instance(name);
        Directory.CreateDirectory(instance.Dir);
        File.WriteAllText(instance.FilePath("tracing_on"), "1\n");
        Directory.CreateDirectory(instance.FilePath("events/syscalls"));
        File.WriteAllText(instance.FilePath("events/syscalls/enable"), "1\n");
        File.WriteAllText(instance.FilePath("trace"),
            "# tracer: nop\n" +
            $"              sh-{pid}   (   {pid}) [000] ..... 10.000001: sys_openat(dfd: 0xffffff9c, filename: 0x7ffd0, flags: 0x0, mode: 0x0)\n" +
            $"              sh-{pid}   (   {pid}) [000] ..... 10.000002: sys_openat -> 0xfffffffffffffffe\n");
        _records.EnsureDir();
        _records.Write(name, new InstanceRecord
        {
            ContainerId = Id, Bundle = bundle, Pid = pid, PidStartTime = startTime, SaveDir = _host.SaveDir,
            Created = DateTimeOffset.UtcNow, SavedTo = savedTo,
        });
        return name;
    }

    /// <summary>A PID that ran and ended.</summary>
    private static int EndedPid()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        process.WaitForExit();
        return process.Id;
    }

    private static ulong StartTimeOf(int pid) =>
        ulong.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[19]);

    /// <param name="handOn">What starting the detached gc returns: null when it started, else why not.</param>
    private void RunPoststop(string bundle, string? handOn = null) =>
        Poststop.Run(new ContainerState { Id = Id, Bundle = bundle, Status = "stopped" }, NullLogger.Instance, _records, _host,
            () => _traceFs, name =>
            {
                _removalsStarted.Add(name);
                return handOn;
            });

    private string[] Saved() => Directory.GetFiles(_host.SaveDir);

    [Test]
    public void Poststop_stops_its_own_start_and_hands_the_save_on_which_the_detached_gc_does_at_once()
    {
        var name = Instance("a", "/bundles/web-1", EndedPid(), 1);
        RunPoststop("/bundles/web-1");
        var instance = _traceFs.Instance(name);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(instance.FilePath("tracing_on")), Is.EqualTo("0\n"), "recording stopped");
            Assert.That(Saved(), Is.Empty, "the save is the detached gc's");
            Assert.That(_records.Read(name)!.StoppedAt, Is.Not.Null, "the record says a save is under way");
            Assert.That(_records.Read(name)!.SavePending(DateTimeOffset.UtcNow), Is.True);
            Assert.That(_removalsStarted, Is.EqualTo(new[] { name }));
        });

        // What the detached `gc --instance NAME` does first, before it waits for quiet starts.
        Gc.SaveEnded(instance, name, _records, NullLogger.Instance, _host);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(instance.FilePath("events/syscalls/enable")), Is.EqualTo("0\n"), "events off: no tax on the host");
            Assert.That(Saved(), Has.Length.EqualTo(1));
            Assert.That(_records.Read(name)!.SavedTo, Is.EqualTo(Saved().Single()), "the record says where");
            Assert.That(_records.Read(name)!.SavePending(DateTimeOffset.UtcNow), Is.False);
            Assert.That(File.ReadAllText(Saved().Single()), Does.Contain(Id).And.Contain("sys_openat -> 0xfffffffffffffffe"));
            Assert.That(Directory.Exists(instance.Dir), Is.True, "removed later, once starts are quiet");
        });

        RunPoststop("/bundles/web-1");
        Assert.That(_removalsStarted, Has.Count.EqualTo(1), "a second poststop finds nothing of its own left to hand on");
    }

    [Test]
    public void Poststop_that_finds_its_instance_locked_still_hands_it_on()
    {
        // A gc that read the record a moment before the container ended holds the lock and passes
        // the instance by as running: a poststop that then gave up left it recording.
        var name = Instance("l", "/bundles/web-1", EndedPid(), 1);
        using (_records.TryLock(name))
            RunPoststop("/bundles/web-1");
        Assert.Multiple(() =>
        {
            Assert.That(_removalsStarted, Is.EqualTo(new[] { name }), "handed to a detached gc, whose collection round comes after it");
            Assert.That(_records.Read(name)!.Phase(), Is.EqualTo(RecordPhase.LeftBehind), "which saves it as left behind");
        });
    }

    [Test]
    public void Poststop_saves_and_removes_in_the_foreground_when_no_detached_gc_can_start()
    {
        var name = Instance("f", "/bundles/web-1", EndedPid(), 1);
        // tracefs removes an instance with its files; the stand-in directory cannot be, so the
        // removal's rmdir failing with ENOTEMPTY shows it was tried, after the save.
        Assert.That(() => RunPoststop("/bundles/web-1", handOn: "no process"),
            Throws.Exception.With.Message.Contains("rmdir").And.Message.Contains(name));
        Assert.Multiple(() =>
        {
            Assert.That(Saved(), Has.Length.EqualTo(1));
            Assert.That(File.ReadAllText(Saved().Single()), Does.Contain("sys_openat -> 0xfffffffffffffffe"));
            Assert.That(File.ReadAllText(_traceFs.Instance(name).FilePath("events/syscalls/enable")), Is.EqualTo("0\n"));
        });
    }

    [Test]
    public void A_save_handed_on_long_ago_is_no_longer_pending_and_counts_as_left_behind()
    {
        var name = Instance("g", "/bundles/web-1", EndedPid(), 1);
        var record = _records.Read(name)!;
        _records.Write(name, record with { StoppedAt = DateTimeOffset.UtcNow - InstanceRecord.SaveDeadline - TimeSpan.FromSeconds(1) });
        Assert.That(_records.Read(name)!.SavePending(DateTimeOffset.UtcNow), Is.False, "its gc died on the way");
        Assert.That(DetachedHook.AnyLeftBehind(_records, _records.All(), except: "none"), Is.True, "the next start has it collected");
        _records.Write(name, record with { StoppedAt = DateTimeOffset.UtcNow });
        Assert.That(DetachedHook.AnyLeftBehind(_records, _records.All(), except: "none"), Is.False, "being saved by its own gc right now");
    }

    [Test]
    public void Poststop_leaves_a_running_container_with_the_same_id_alone()
    {
        // Another runtime root runs a container with this id: its init (here: this test) is alive.
        var self = Environment.ProcessId;
        var name = Instance("b", "/bundles/web-1", self, StartTimeOf(self));
        RunPoststop("/bundles/web-1");
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(_traceFs.Instance(name).FilePath("tracing_on")), Is.EqualTo("1\n"), "still recording");
            Assert.That(Saved(), Is.Empty);
            Assert.That(_records.Read(name)!.SavedTo, Is.Null);
            Assert.That(_removalsStarted, Is.Empty);
        });
    }

    [Test]
    public void Poststop_of_another_bundle_or_of_a_refused_start_touches_nothing()
    {
        var name = Instance("c", "/bundles/someone-else", EndedPid(), 1);
        RunPoststop("/bundles/web-1");
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(_traceFs.Instance(name).FilePath("tracing_on")), Is.EqualTo("1\n"));
            Assert.That(Saved(), Is.Empty);
            Assert.That(_removalsStarted, Is.Empty);
        });
    }

    [Test]
    public void Gc_collects_a_saved_instance_whose_container_ended_and_leaves_live_and_foreign_ones()
    {
        var saved = Path.Combine(_host.SaveDir, "earlier.trace");
        File.WriteAllText(saved, "# saved\n");
        // A start poststop already saved: what is left is an instance directory (the kernel
        // removes its files with it) and the record.
        var done = Instance("d", "/bundles/web-1", EndedPid(), 1, savedTo: saved);
        foreach (var entry in Directory.EnumerateFileSystemEntries(_traceFs.Instance(done).Dir))
        {
            if (Directory.Exists(entry)) Directory.Delete(entry, recursive: true);
            else File.Delete(entry);
        }
        var self = Environment.ProcessId;
        var live = Instance("e", "/bundles/web-2", self, StartTimeOf(self));
        Directory.CreateDirectory(Path.Combine(_traceFs.InstancesDir, "someone-elses"));

        var collected = Gc.CollectAll(_traceFs, _records, null, NullLogger.Instance, _host);
        Assert.Multiple(() =>
        {
            Assert.That(collected, Is.EqualTo(1));
            Assert.That(Directory.Exists(_traceFs.Instance(done).Dir), Is.False, "removed");
            Assert.That(_records.Read(done), Is.Null, "its record went with it");
            Assert.That(Directory.Exists(_traceFs.Instance(live).Dir), Is.True, "a running container's instance stays");
            Assert.That(_records.Read(live), Is.Not.Null);
            Assert.That(Directory.Exists(Path.Combine(_traceFs.InstancesDir, "someone-elses")), Is.True, "not ours: never touched");
            Assert.That(Saved(), Is.EqualTo(new[] { saved }), "nothing saved twice");
        });
    }

    [Test]
    public void Gc_saves_an_instance_whose_record_is_gone_and_then_removes_it()
    {
        // Its record deleted under the hook (the state directory wiped by hand, say): nothing says
        // whose it was, and it must not hold its ring buffer for good. CrashRecoveryTests removes
        // one from the real tracefs.
        var orphan = Instance("f", "/bundles/web-3", EndedPid(), 1);
        _records.Delete(orphan);

        var logged = new List<string>();
        Gc.CollectAll(_traceFs, _records, null, new LineLogger(logged), _host);
        Assert.Multiple(() =>
        {
            Assert.That(Saved(), Has.Length.EqualTo(1), "its trace was saved first: " + string.Join("\n", logged));
            Assert.That(File.ReadAllText(Saved().Single()), Does.Contain("sys_openat -> 0xfffffffffffffffe"));
            // tracefs removes an instance with its files; the stand-in directory cannot be.
            Assert.That(logged.Count(line => line.Contains("rmdir", StringComparison.Ordinal) && line.Contains(orphan, StringComparison.Ordinal)),
                Is.EqualTo(1), "then its removal was tried: " + string.Join("\n", logged));
            Assert.That(_records.Read(orphan), Is.Null, "no record made for it");
        });
    }

    [Test]
    public void Gc_removes_the_temporary_file_of_a_save_whose_writer_ended_and_keeps_a_live_writer_s()
    {
        const string Base = "oci-ftrace-web-1-0123456789abcdef-1f-2a-20250304T030607Z";
        var abandoned = Path.Combine(_host.SaveDir, $".{Base}.{EndedPid()}.partial");
        var writing = Path.Combine(_host.SaveDir, $".{Base}.{Environment.ProcessId}.partial");
        File.WriteAllText(abandoned, "half a trace");
        File.WriteAllText(writing, "a trace being written");

        Gc.CollectAll(_traceFs, _records, null, NullLogger.Instance, _host);
        Assert.That(File.Exists(abandoned), Is.False, "its writer is gone: nobody finishes it");
        Assert.That(File.Exists(writing), Is.True, "its writer still runs");

        Gc.CollectAll(_traceFs, _records, "oci-ftrace-web-1-0123456789abcdef-z", NullLogger.Instance, _host);
        Assert.That(File.Exists(writing), Is.True);
    }
}
