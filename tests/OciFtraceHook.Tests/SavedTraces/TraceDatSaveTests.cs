using Microsoft.Win32.SafeHandles;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.TraceDat;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.SavedTraces;

/// <summary>The raw save against a directory standing in for tracefs (its trace_pipe_raw files
/// are plain files holding kernel-layout pages): the capture, the file it makes, and a pending
/// save that the next try publishes.</summary>
public class TraceDatSaveTests
{
    private string _root = null!;
    private TraceInstance _instance = null!;

    [SetUp]
    public void FakeTraceFs()
    {
        _root = Directory.CreateTempSubdirectory("raw-archive").FullName;
        var trace = TraceDatWriterTests.Sample().LoseBefore(0, 5);
        var capture = trace.Capture();
        var events = Path.Combine(_root, "tracefs", "events");
        Directory.CreateDirectory(events);
        File.WriteAllBytes(Path.Combine(events, "header_page"), capture.HeaderPage);
        File.WriteAllBytes(Path.Combine(events, "header_event"), capture.HeaderEvent);
        foreach (var format in SyntheticTrace.Formats)
        {
            var dir = Path.Combine(events, format.System, format.Name);
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "format"), format.Text);
        }
        File.WriteAllBytes(Path.Combine(_root, "tracefs", "saved_cmdlines"), capture.SavedCmdlines);
        File.WriteAllText(Path.Combine(_root, "tracefs", "saved_tgids"), "100 99\n");
        _instance = new TraceFs(Path.Combine(_root, "tracefs")).Instance("oci-ftrace-test");
        // An instance made by an earlier release, which recorded thread groups in the kernel's table.
        Directory.CreateDirectory(_instance.FilePath("options"));
        File.WriteAllText(_instance.FilePath("options/record-tgid"), "1\n");
        foreach (var cpu in capture.Cpus)
        {
            var dir = _instance.FilePath($"per_cpu/cpu{cpu.Cpu}");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "trace_pipe_raw"), cpu.Data.ToArray());
            File.WriteAllText(Path.Combine(dir, "stats"), "entries: 4\noverrun: 0\ndropped events: 2\n");
        }
        File.WriteAllText(_instance.FilePath("trace_clock"), "[local] global\n");
    }

    [TearDown]
    public void Remove() => Directory.Delete(_root, recursive: true);

    private EventFormatCatalog Catalog() => new(Path.Combine(_root, "tracefs", "events"), Path.Combine(_root, "cache"));

    [Test]
    public void The_capture_holds_every_page_the_formats_its_events_need_and_the_losses()
    {
        var capture = RawCaptureReader.Read(_instance, Catalog());
        Assert.That(capture.Cpus.Select(c => c.Length), Is.All.EqualTo(SyntheticTrace.PageSize));
        Assert.That(capture.Events, Is.EqualTo(7));
        Assert.That(capture.Formats.Select(f => f.Name), Is.EquivalentTo(new[] { "sys_enter_openat", "sys_exit_openat", "print" }));
        Assert.That(capture.LostEvents, Is.EqualTo(5 + 2 + 2), "the mark's stored count, and each CPU's dropped events");
        Assert.That(File.Exists(Path.Combine(_root, "cache")), Is.True, "the formats are cached for the next save");
        Assert.That(RawCaptureReader.Read(_instance, Catalog()).Formats, Has.Count.EqualTo(3), "and read back from the cache");
    }

    [Test]
    public void Only_the_names_and_thread_groups_of_processes_in_the_pages_are_kept()
    {
        // The kernel's tables are the whole host's; the saved trace is read by the container's owner.
        var tracefs = Path.Combine(_root, "tracefs");
        File.WriteAllText(Path.Combine(tracefs, "saved_cmdlines"), "1 systemd\n100 cat\n4242 other-tenant\n101 sh\n");
        File.WriteAllText(Path.Combine(tracefs, "saved_tgids"), "1 1\n100 99\n4242 4242\n");
        var capture = RawCaptureReader.Read(_instance, Catalog());
        Assert.That(System.Text.Encoding.ASCII.GetString(capture.SavedCmdlines), Is.EqualTo("100 cat\n101 sh\n"));
        Assert.That(System.Text.Encoding.ASCII.GetString(capture.SavedTgids), Is.EqualTo("100 99\n"));
    }

    [Test]
    public void An_instance_without_record_tgid_leaves_the_hosts_tgid_table_unread()
    {
        // Its task_newtask events say which process each thread belongs to; the kernel prints
        // saved_tgids by walking every pid up to pid_max.
        File.WriteAllText(_instance.FilePath("options/record-tgid"), "0\n");
        Assert.That(RawCaptureReader.Read(_instance, Catalog()).SavedTgids, Is.Empty);
    }

    [TestCase("", "")]
    [TestCase("100 cat", "100 cat\n")]
    [TestCase("x y\n 100 cat\n100\n100 cat\n", "100 cat\n")]
    public void Table_lines_are_kept_by_their_pid(string table, string kept) =>
        Assert.That(System.Text.Encoding.ASCII.GetString(RawCaptureReader.OnlyPids(System.Text.Encoding.ASCII.GetBytes(table), new HashSet<int> { 100 })),
            Is.EqualTo(kept));

    [Test]
    public void The_saved_file_names_its_container_and_decodes()
    {
        var saveDir = Path.Combine(_root, "saved");
        using var dir = SaveDirectory.Open(saveDir, create: true);
        var saved = TraceDatSave.Save(_instance, "c0ffee", dir, saveDir, DateTimeOffset.UnixEpoch, "web/app",
            Path.Combine(_root, "pending.trace"), Catalog(), out var lost);
        Assert.That(lost, Is.EqualTo(9));
        using var stream = File.OpenRead(saved);
        var file = TraceDatFile.Open(stream, saved);
        Assert.That(file.Metadata!.ContainerId, Is.EqualTo("c0ffee"));
        Assert.That(file.Metadata.Name, Is.EqualTo("web/app"));
        Assert.That(SavedTraceTag.Get(saved, new byte[SavedTraceTag.MaxBytes]), Is.EqualTo((InstanceName.For("c0ffee"), InstanceName.For("c0ffee"))),
            "tagged with its owner for the disk budget (no tenant: its own)");
        Assert.That(file.Metadata.Tgids[100], Is.EqualTo(99));
        Assert.That(Directory.GetFiles(saveDir).Select(Path.GetFileName), Is.EqualTo(new[] { Path.GetFileName(saved) }), "no temporary file left");
    }

    [Test]
    public void A_pending_save_is_published_by_the_next_try()
    {
        var pending = Path.Combine(_root, "pending.trace");
        File.WriteAllBytes(pending, TraceDatWriterTests.Write(TraceDatWriterTests.Sample()));
        var saveDir = Path.Combine(_root, "saved");
        using var dir = SaveDirectory.Open(saveDir, create: true);
        var saved = TraceDatSave.Save(_instance, "c0ffee", dir, saveDir, DateTimeOffset.UnixEpoch, null, pending, Catalog(), out _);
        Assert.That(File.Exists(pending), Is.False);
        using var stream = File.OpenRead(saved);
        Assert.That(TraceDatFile.Open(stream, saved).Metadata!.Name, Is.EqualTo("web/app"), "the pending file, not a new capture");
    }

    [Test]
    public void The_raw_save_lands_in_the_directory_opened_even_when_its_path_became_a_symlink()
    {
        var saveDir = Directory.CreateDirectory(Path.Combine(_root, "saved")).FullName;
        var moved = Path.Combine(_root, "saved-moved");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_root, "elsewhere")).FullName;
        using var dir = SaveDirectory.Open(saveDir, create: false);
        Directory.Move(saveDir, moved);
        File.CreateSymbolicLink(saveDir, elsewhere);

        var saved = TraceDatSave.Save(_instance, "c0ffee", dir, saveDir, DateTimeOffset.UnixEpoch, null,
            Path.Combine(_root, "pending.trace"), Catalog(), out _);
        Assert.That(Directory.GetFileSystemEntries(elsewhere), Is.Empty, "nothing reaches the symlink's target");
        var landed = Directory.GetFiles(moved).Single();
        Assert.That(Path.GetFileName(landed), Is.EqualTo(Path.GetFileName(saved)));
        using var stream = File.OpenRead(landed);
        Assert.That(TraceDatFile.Open(stream, landed).Metadata!.ContainerId, Is.EqualTo("c0ffee"));
    }

    /// <summary>A save directory gone under its handle: every write into it fails (ENOENT).</summary>
    private SafeFileHandle GoneSaveDir()
    {
        var saveDir = Directory.CreateDirectory(Path.Combine(_root, "gone")).FullName;
        var dir = SaveDirectory.Open(saveDir, create: false);
        Directory.Delete(saveDir);
        return dir;
    }

    [Test]
    public void A_save_that_cannot_be_written_waits_under_run_within_max_pending_mb_and_past_it_is_dropped_with_a_line()
    {
        var pending = Path.Combine(_root, "x" + AbandonedSaves.PendingSuffix);
        using (var dir = GoneSaveDir())
        {
            var kept = Assert.Throws<HookException>(() => TraceDatSave.Save(_instance, "c0ffee", dir, "/gone", DateTimeOffset.UnixEpoch, null,
                pending, Catalog(), out _, maxPending: 1 << 20));
            Assert.That(kept!.Message, Does.Contain($"(kept in {pending}; gc saves it again)"));
            Assert.That(File.Exists(pending), Is.True);
        }
        File.Delete(pending);

        // Saves already waiting fill the room: this one is dropped, and /run holds nothing more.
        var waiting = Path.Combine(_root, "other" + AbandonedSaves.PendingSuffix);
        File.WriteAllBytes(waiting, new byte[(1 << 20) - 100]);
        using (var dir = GoneSaveDir())
        {
            var dropped = Assert.Throws<SaveDroppedException>(() => TraceDatSave.Save(_instance, "c0ffee", dir, "/gone", DateTimeOffset.UnixEpoch, null,
                pending, Catalog(), out _, maxPending: 1 << 20));
            Assert.That(dropped!.Message, Does.Contain("dropped, as the saves waiting under").And.Contain("would pass max-pending-mb in hook.conf (1 MiB)"));
        }
        Assert.That(File.Exists(pending), Is.False);
    }
}
