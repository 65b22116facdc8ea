using OciFtraceHook.Commands;
using OciFtraceHook.Records;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.Commands;

/// <summary>`show ID` right after the runtime returned: poststop has handed the save to a detached
/// gc, which writes it a moment later. show waits for it instead of showing an older trace of the
/// same id (or none).</summary>
public class ShowPendingSaveTests
{
    private const string Id = "just-ended";
    private string _root = null!;
    private InstanceRecords _records = null!;
    private string _saveDir = null!;

    [SetUp]
    public void CreateStandIns()
    {
        _root = Directory.CreateTempSubdirectory("show-pending-").FullName;
        _records = new InstanceRecords(Path.Combine(_root, "records"));
        _records.EnsureDir();
        _saveDir = Directory.CreateDirectory(Path.Combine(_root, "traces")).FullName;
    }

    [TearDown]
    public void RemoveStandIns() => Directory.Delete(_root, recursive: true);

    private string WriteTrace(string stamp, string marker)
    {
        var path = Path.Combine(_saveDir, $"{InstanceName.For(Id)}-0123456789abcdef-{stamp}{SavedTraceNames.Text}");
        File.WriteAllText(path, $"{TextSave.ContainerHeader}{Id}\n# tracer: nop\n" +
                                $"              sh-7       (       7) [000] ...1.    10.000001: tracing_mark_write: {marker}\n");
        return path;
    }

    /// <summary>The record of a start whose container ended and whose poststop handed the save on
    /// at <paramref name="stoppedAt"/>.</summary>
    private InstanceRecord EndedContainer(DateTimeOffset stoppedAt) => new()
    {
        ContainerId = Id, Pid = EndedPid(), PidStartTime = 1, SaveDir = _saveDir, Created = DateTimeOffset.UtcNow, StoppedAt = stoppedAt,
    };

    private static int EndedPid()
    {
        using var process = System.Diagnostics.Process.Start("true")!;
        process.WaitForExit();
        return process.Id;
    }

    [Test]
    public void Show_waits_for_the_save_under_way_and_shows_it_not_the_previous_start_s()
    {
        WriteTrace("20250101T000000Z", "EARLIER-START");
        const string Name = $"oci-ftrace-{Id}-0123456789abcdef-2";
        var record = EndedContainer(stoppedAt: DateTimeOffset.UtcNow);
        _records.Write(Name, record);
        // The detached gc, a moment later.
        var saver = Task.Run(() =>
        {
            Thread.Sleep(300);
            var saved = WriteTrace("20250101T000001Z", "THIS-START");
            _records.Write(Name, record with { SavedTo = saved });
        });

        using var reader = Show.OpenContainer(Id, new SavedTraceSearch([_saveDir], _records), _records);
        var text = reader.ReadToEnd();
        saver.Wait();
        Assert.That(text, Does.Contain("THIS-START").And.Not.Contain("EARLIER-START"));
    }

    [Test]
    public void A_save_whose_gc_died_long_ago_is_not_waited_for()
    {
        WriteTrace("20250101T000000Z", "EARLIER-START");
        _records.Write($"oci-ftrace-{Id}-0123456789abcdef-3", EndedContainer(stoppedAt: DateTimeOffset.UtcNow - InstanceRecord.SaveDeadline - TimeSpan.FromSeconds(1)));
        var started = DateTime.UtcNow;
        using var reader = Show.OpenContainer(Id, new SavedTraceSearch([_saveDir], _records), _records);
        Assert.That(reader.ReadToEnd(), Does.Contain("EARLIER-START"), "the newest trace there is");
        Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(30)), "no wait for a save nobody makes");
    }

    [Test]
    public void A_wait_past_its_note_time_says_once_what_it_waits_for_and_what_helps()
    {
        var name = $"oci-ftrace-{Id}-0123456789abcdef-4";
        var record = EndedContainer(stoppedAt: DateTimeOffset.UtcNow);
        _records.Write(name, record);
        var saver = Task.Run(() =>
        {
            Thread.Sleep(200);
            _records.Write(name, record with { SavedTo = WriteTrace("20250101T000002Z", "SAVED") });
        });
        var notes = new List<string>();
        Show.WaitForPendingSave(Id, _records, notes.Add, TimeSpan.Zero);
        saver.Wait();
        Assert.That(notes, Has.Count.EqualTo(1), "once, however long the wait");
        Assert.That(notes[0], Does.Contain($"waiting for the trace of {Id} to be saved").And.Contain("oci-ftrace-hook gc"));
    }
}
