using System.Text.Json;
using OciFtraceHook.HostFiles;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.RecordsTests;

public class InstanceRecordsTests
{
    private string _temp = null!;
    private InstanceRecords _records = null!;

    [SetUp]
    public void CreateDir()
    {
        _temp = Directory.CreateTempSubdirectory("instance-records-").FullName;
        _records = new InstanceRecords(Path.Combine(_temp, "instances"));
    }

    [TearDown]
    public void RemoveDir() => Directory.Delete(_temp, recursive: true);

    private static InstanceRecord Sample(string id) => new()
    {
        ContainerId = id,
        Bundle = "/srv/bundles/" + id,
        Pid = 31337,
        PidStartTime = 987654321012UL,
        SaveDir = "/var/lib/oci-ftrace-hook/traces",
        Created = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        SavedTo = null,
    };

    [Test]
    public void A_written_record_reads_back_equal()
    {
        var name = InstanceName.For("round-trip");
        var record = Sample("round-trip");
        _records.Write(name, record);
        Assert.Multiple(() =>
        {
            Assert.That(_records.Read(name), Is.EqualTo(record));
            Assert.That(File.Exists(_records.PathFor(name)), Is.True);
            Assert.That(Directory.GetFiles(_records.Dir, "*" + AtomicFile.TemporarySuffix), Is.Empty, "the temporary file is renamed away");
        });
    }

    [Test]
    public void Writing_again_replaces_the_record()
    {
        var name = InstanceName.For("rewrite");
        _records.Write(name, Sample("rewrite"));
        var saved = Sample("rewrite") with { SavedTo = "/tmp/x.trace" };
        _records.Write(name, saved);
        Assert.That(_records.Read(name)!.SavedTo, Is.EqualTo("/tmp/x.trace"));
    }

    [Test]
    public void The_record_is_json_with_the_documented_names()
    {
        var name = InstanceName.For("json");
        _records.Write(name, Sample("json"));
        using var json = JsonDocument.Parse(File.ReadAllBytes(_records.PathFor(name)));
        var root = json.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("containerId").GetString(), Is.EqualTo("json"));
            Assert.That(root.GetProperty("pid").GetInt32(), Is.EqualTo(31337));
            Assert.That(root.GetProperty("pidStartTime").GetUInt64(), Is.EqualTo(987654321012UL));
            Assert.That(root.GetProperty("saveDir").GetString(), Is.EqualTo("/var/lib/oci-ftrace-hook/traces"));
            Assert.That(root.GetProperty("bundle").GetString(), Is.EqualTo("/srv/bundles/json"));
        });
    }

    [Test]
    public void A_record_written_by_the_previous_release_reads_back()
    {
        // As JsonSerializer wrote it (indented, nulls left out): a hook upgraded while containers
        // run reads the records of their starts.
        Directory.CreateDirectory(_records.Dir);
        File.WriteAllText(_records.PathFor("older"), """
            {
              "containerId": "older",
              "bundle": "/srv/bundles/older",
              "pid": 31337,
              "pidStartTime": 987654321012,
              "saveDir": "/var/lib/oci-ftrace-hook/traces",
              "created": "2025-01-02T03:04:05+00:00",
              "ringBufferBytes": 16777216,
              "paths": "none: this kernel has no dynamic events"
            }
            """);
        Assert.That(_records.Read("older"), Is.EqualTo(Sample("older") with { RingBufferBytes = 16777216, Paths = "none: this kernel has no dynamic events" }));
    }

    [Test]
    public void A_missing_record_reads_as_null()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists(_records.Dir), Is.False);
            Assert.That(_records.Read("oci-ftrace-nothing-0000000000000000"), Is.Null);
        });
        Directory.CreateDirectory(_records.Dir);
        Assert.That(_records.Read("oci-ftrace-nothing-0000000000000000"), Is.Null);
    }

    [TestCase("")]
    [TestCase("{not json")]
    [TestCase("[1,2,3]")]
    [TestCase("{\"containerId\":\"x\"}")]
    [TestCase("{\"containerId\":\"x\",\"saveDir\":\"/s\",\"pid\":\"nine\"}")]
    public void A_corrupt_record_reads_as_null(string content)
    {
        Directory.CreateDirectory(_records.Dir);
        File.WriteAllText(_records.PathFor("corrupt"), content);
        Assert.That(_records.Read("corrupt"), Is.Null);
    }

    [Test]
    public void Records_of_an_id_by_its_stem_are_only_those_named_by_it_newest_first()
    {
        var stem = InstanceName.For("web-1");
        var older = InstanceName.ForStart("web-1", 100, 1);
        var newer = InstanceName.ForStart("web-1", 200, 2);
        _records.Write(older, Sample("web-1"));
        _records.Write(newer, Sample("web-1") with { Created = Sample("web-1").Created.AddMinutes(1) });
        _records.Write(InstanceName.ForStart("web-10", 300, 3), Sample("web-10"));
        // A record claiming the id under a name not made from it: found by a search of every record,
        // never read by one of the id's own stem (what poststop reads).
        var elsewhere = InstanceName.ForStart("other", 400, 4);
        _records.Write(elsewhere, Sample("web-1"));
        // Named like the stem but longer, with no '-' after it: another stem's.
        _records.Write(stem + "0-1-1", Sample("web-1"));
        Assert.Multiple(() =>
        {
            Assert.That(_records.OfContainer("web-1", stem).Select(r => r.Name), Is.EqualTo(new[] { newer, older }));
            Assert.That(_records.OfContainer("web-1").Select(r => r.Name), Is.EquivalentTo(new[] { older, newer, elsewhere, stem + "0-1-1" }));
        });
    }

    [Test]
    public void Names_lists_the_records_without_extension()
    {
        Assert.That(_records.Names(), Is.Empty, "no directory yet");
        var a = InstanceName.For("a");
        var b = InstanceName.For("b");
        _records.Write(a, Sample("a"));
        _records.Write(b, Sample("b"));
        using (_records.TryLock(a))
        {
            File.WriteAllText(Path.Combine(_records.Dir, AtomicFile.TemporaryName(b + ".json", Environment.ProcessId)), "");
            Assert.That(_records.Names(), Is.EquivalentTo(new[] { a, b }));
        }
    }

    [Test]
    public void Delete_removes_the_record()
    {
        var name = InstanceName.For("gone");
        _records.Write(name, Sample("gone"));
        _records.Delete(name);
        Assert.Multiple(() =>
        {
            Assert.That(_records.Read(name), Is.Null);
            Assert.That(_records.Names(), Is.Empty);
        });
    }

    [Test]
    public void A_held_lock_refuses_a_second_one_until_disposed()
    {
        var name = InstanceName.For("locked");
        var first = _records.TryLock(name);
        Assert.That(first, Is.Not.Null);
        try
        {
            using var second = _records.TryLock(name);
            Assert.That(second, Is.Null);
        }
        finally
        {
            first!.Dispose();
        }
        using var third = _records.TryLock(name);
        Assert.That(third, Is.Not.Null);
    }

    [Test]
    public void Locks_on_different_names_are_independent()
    {
        using var a = _records.TryLock(InstanceName.For("one"));
        using var b = _records.TryLock(InstanceName.For("two"));
        Assert.Multiple(() =>
        {
            Assert.That(a, Is.Not.Null);
            Assert.That(b, Is.Not.Null);
        });
    }

    [Test]
    public void A_lock_file_exists_only_while_held()
    {
        // A gc that takes the lock after another collected the instance, finding no record, once
        // left the file behind for good.
        var name = InstanceName.For("unlock");
        var lockFile = Path.Combine(_records.Dir, name + ".lock");
        using (_records.TryLock(name))
            Assert.That(File.Exists(lockFile), Is.True, "held");
        Assert.That(File.Exists(lockFile), Is.False, "released");
        _records.Write(name, Sample("unlock"));
        using (_records.TryLock(name)) { }
        Assert.That(File.Exists(lockFile), Is.False, "released with its record still there");
    }

    [Test]
    public void A_taker_waiting_while_the_lock_is_released_gets_a_lock_of_its_own()
    {
        // The released file is unlinked before it is closed: a taker that opened it meanwhile finds
        // no link left and opens the name again, so two never hold the lock at once.
        var name = InstanceName.For("handover");
        var lockFile = Path.Combine(_records.Dir, name + ".lock");
        var first = _records.TryLock(name)!;
        using var waiting = Task.Run(() => FileLock.TryAcquire(lockFile, TimeSpan.FromSeconds(10)));
        Thread.Sleep(50);
        first.Dispose();
        using var second = waiting.Result;
        Assert.Multiple(() =>
        {
            Assert.That(second, Is.Not.Null);
            Assert.That(File.Exists(lockFile), Is.True, "the waiter's own file");
            Assert.That(_records.TryLock(name), Is.Null, "held by the waiter");
        });
    }

    [Test]
    public void Temporary_records_of_killed_writers_are_removed_others_stay()
    {
        _records.EnsureDir();
        var abandoned = Path.Combine(_records.Dir, AtomicFile.TemporaryName("x.json", 999999999));
        var ours = Path.Combine(_records.Dir, AtomicFile.TemporaryName("y.json", Environment.ProcessId));
        File.WriteAllText(abandoned, "{");
        File.WriteAllText(ours, "{");
        _records.DeleteAbandonedTemporaries();
        Assert.That(File.Exists(abandoned), Is.False);
        Assert.That(File.Exists(ours), Is.True, "a writer still running keeps its temporary file");
    }
}
