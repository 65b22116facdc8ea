using System.Runtime.Versioning;
using System.Text;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.SavedTracesTests;

public class TextSaveTests
{
    private const string ContainerId = "archive-test";
    private const string HeaderPrefix = "# oci-ftrace-hook: ";
    private const string TraceText =
        "# tracer: nop\n#\n           <...>-3365    [000] ..... 518.935039: sys_openat(dfd: 0xffffff9c)\n";

    private static readonly DateTimeOffset Now = new(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));

    private string _temp = null!;
    private TraceInstance _instance = null!;
    private string _saveDir = null!;

    [SetUp]
    public void CreateFakeInstance()
    {
        _temp = Directory.CreateTempSubdirectory("trace-archive-").FullName;
        _instance = new TraceFs(Path.Combine(_temp, "tracefs")).Instance(InstanceName.For(ContainerId));
        Directory.CreateDirectory(_instance.Dir);
        File.WriteAllText(_instance.FilePath("trace"), TraceText);
        _saveDir = Path.Combine(_temp, "saved", "traces");
    }

    [TearDown]
    public void RemoveTemp() => Directory.Delete(_temp, recursive: true);

    /// <summary>The name a save at <see cref="Now"/> takes when nothing is in the way (UTC time).</summary>
    private string FirstChoice => Path.Combine(_saveDir, $"{_instance.Name}-20250304T030607Z{SavedTraceNames.Text}");

    private string NumberedChoice(int n) => Path.Combine(_saveDir, $"{_instance.Name}-20250304T030607Z.{n}{SavedTraceNames.Text}");

    /// <summary>The hook's own '#' lines at the top of a saved file, and what follows them.</summary>
    private static (string[] Header, string Body) SplitSaved(string path)
    {
        var text = File.ReadAllText(path);
        var header = new List<string>();
        var at = 0;
        while (text.AsSpan(at).StartsWith(HeaderPrefix, StringComparison.Ordinal))
        {
            var end = text.IndexOf('\n', at);
            header.Add(text[at..end]);
            at = end + 1;
        }
        return (header.ToArray(), text[at..]);
    }

    private void WriteCpuStats(int cpu, string stats)
    {
        var dir = _instance.FilePath($"per_cpu/cpu{cpu}");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "stats"), stats);
    }

    [Test]
    public void The_trace_is_saved_after_the_header_lines_in_a_created_directory()
    {
        Assert.That(Directory.Exists(_saveDir), Is.False);
        var path = TextSave.Save(_instance, ContainerId, _saveDir, Now);
        var (header, body) = SplitSaved(path);
        Assert.Multiple(() =>
        {
            Assert.That(path, Is.EqualTo(FirstChoice));
            Assert.That(Directory.Exists(_saveDir), Is.True);
            Assert.That(header, Has.Length.GreaterThanOrEqualTo(2));
            Assert.That(header[0], Is.EqualTo($"{HeaderPrefix}container {ContainerId}"));
            Assert.That(header[1], Is.EqualTo($"{HeaderPrefix}instance {_instance.Name}, saved 2025-03-04T03:06:07.0000000Z"));
            Assert.That(body, Is.EqualTo(TraceText));
            Assert.That(SavedTraceTag.Get(path, new byte[SavedTraceTag.MaxBytes])?.Owner, Is.EqualTo(OciFtraceHook.Tracing.InstanceName.For(ContainerId)), "tagged for the disk budget");
        });
    }

    [Test]
    public void The_text_save_lands_in_the_directory_opened_even_when_its_path_became_a_symlink()
    {
        Directory.CreateDirectory(_saveDir);
        var moved = Path.Combine(_temp, "saved", "traces-moved");
        var elsewhere = Directory.CreateDirectory(Path.Combine(_temp, "elsewhere")).FullName;
        using var dir = SaveDirectory.Open(_saveDir, create: false);
        Directory.Move(_saveDir, moved);
        File.CreateSymbolicLink(_saveDir, elsewhere);

        TextSave.Save(_instance, ContainerId, dir, _saveDir, Now, followed: null, out _);
        Assert.That(Directory.GetFileSystemEntries(elsewhere), Is.Empty, "nothing reaches the symlink's target");
        Assert.That(Directory.GetFiles(moved).Select(Path.GetFileName), Is.EqualTo(new[] { Path.GetFileName(FirstChoice) }),
            "the file, under its final name, and no temporary left");
        Assert.That(SplitSaved(Directory.GetFiles(moved).Single()).Body, Is.EqualTo(TraceText));
    }

    [Test]
    public void Events_a_follower_consumed_are_put_back_after_the_ftrace_header()
    {
        var followed = Path.Combine(_saveDir, "followed-spool");
        Directory.CreateDirectory(_saveDir);
        File.WriteAllText(followed, "           <...>-3365    [000] ..... 518.900000: sys_read -> 0x1\n");
        var path = TextSave.Save(_instance, ContainerId, _saveDir, Now, followed, out _);
        var (_, body) = SplitSaved(path);
        Assert.That(body, Is.EqualTo("# tracer: nop\n#\n" +
                                     "           <...>-3365    [000] ..... 518.900000: sys_read -> 0x1\n" +
                                     "           <...>-3365    [000] ..... 518.935039: sys_openat(dfd: 0xffffff9c)\n"));
    }

    [Test]
    public void Without_per_cpu_statistics_no_event_is_counted_as_lost()
    {
        var path = TextSave.Save(_instance, ContainerId, _saveDir, Now, followed: null, out var lost);
        var (header, _) = SplitSaved(path);
        Assert.Multiple(() =>
        {
            Assert.That(lost, Is.Zero);
            Assert.That(header, Does.Contain($"{HeaderPrefix}lost events: 0"));
        });
    }

    [Test]
    public void Events_lost_on_every_cpu_are_summed_and_named_in_the_header()
    {
        WriteCpuStats(0, "entries: 10\noverrun: 5\ncommit overrun: 100\nbytes: 4096\noldest event ts: 1.000000\nnow ts: 2.000000\ndropped events: 0\nread events: 3\n");
        WriteCpuStats(1, "entries: 0\noverrun: 0\ncommit overrun: 0\ndropped events: 2\n");
        var path = TextSave.Save(_instance, ContainerId, _saveDir, Now, followed: null, out var lost);
        var (header, body) = SplitSaved(path);
        Assert.Multiple(() =>
        {
            Assert.That(lost, Is.EqualTo(7));
            Assert.That(header, Has.Some.StartsWith($"{HeaderPrefix}lost events: 7").And.Some.Contains("partial"));
            Assert.That(body, Is.EqualTo(TraceText));
        });
    }

    [Test]
    [SupportedOSPlatform("linux")]
    public void The_saved_file_is_readable_by_its_owner_only()
    {
        var path = TextSave.Save(_instance, ContainerId, _saveDir, Now);
        var mode = File.GetUnixFileMode(path);
        Assert.That(mode & ~(UnixFileMode.UserRead | UnixFileMode.UserWrite), Is.EqualTo(UnixFileMode.None));
    }

    [Test]
    public void A_large_trace_is_copied_whole()
    {
        var big = new StringBuilder();
        for (var i = 0; i < 20000; i++) big.Append("line ").Append(i).Append('\n');
        File.WriteAllText(_instance.FilePath("trace"), big.ToString());
        var path = TextSave.Save(_instance, ContainerId, _saveDir, Now);
        Assert.That(SplitSaved(path).Body, Is.EqualTo(big.ToString()));
    }

    [Test]
    public void A_second_save_at_the_same_time_gets_a_numbered_name_and_leaves_the_first()
    {
        var first = TextSave.Save(_instance, ContainerId, _saveDir, Now);
        var firstText = File.ReadAllText(first);
        File.WriteAllText(_instance.FilePath("trace"), "second trace\n");
        var second = TextSave.Save(_instance, ContainerId, _saveDir, Now);
        var third = TextSave.Save(_instance, ContainerId, _saveDir, Now);
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(FirstChoice));
            Assert.That(second, Is.EqualTo(NumberedChoice(1)));
            Assert.That(third, Is.EqualTo(NumberedChoice(2)));
            Assert.That(File.ReadAllText(first), Is.EqualTo(firstText));
            Assert.That(SplitSaved(second).Body, Is.EqualTo("second trace\n"));
        });
    }

    [Test]
    public void An_existing_file_is_never_overwritten()
    {
        Directory.CreateDirectory(_saveDir);
        File.WriteAllText(FirstChoice, "someone else's file");
        var path = TextSave.Save(_instance, ContainerId, _saveDir, Now);
        Assert.Multiple(() =>
        {
            Assert.That(path, Is.EqualTo(NumberedChoice(1)));
            Assert.That(File.ReadAllText(FirstChoice), Is.EqualTo("someone else's file"));
        });
    }

    [Test]
    public void A_symlink_planted_at_the_name_is_not_written_through()
    {
        Directory.CreateDirectory(_saveDir);
        var victim = Path.Combine(_temp, "victim");
        File.WriteAllText(victim, "precious");
        File.CreateSymbolicLink(FirstChoice, victim);

        var path = TextSave.Save(_instance, ContainerId, _saveDir, Now);

        Assert.Multiple(() =>
        {
            Assert.That(path, Is.EqualTo(NumberedChoice(1)));
            Assert.That(File.ReadAllText(victim), Is.EqualTo("precious"));
            Assert.That(new FileInfo(FirstChoice).LinkTarget, Is.EqualTo(victim));
            Assert.That(new FileInfo(path).LinkTarget, Is.Null);
            Assert.That(SplitSaved(path).Body, Is.EqualTo(TraceText));
        });
    }

    [Test]
    public void A_dangling_symlink_planted_at_the_name_does_not_create_its_target()
    {
        Directory.CreateDirectory(_saveDir);
        var target = Path.Combine(_temp, "created-through-link");
        File.CreateSymbolicLink(FirstChoice, target);

        var path = TextSave.Save(_instance, ContainerId, _saveDir, Now);

        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(target), Is.False);
            Assert.That(path, Is.EqualTo(NumberedChoice(1)));
            Assert.That(new FileInfo(FirstChoice).LinkTarget, Is.EqualTo(target));
        });
    }
}
