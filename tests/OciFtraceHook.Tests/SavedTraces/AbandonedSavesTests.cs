using OciFtraceHook.SavedTraces;

namespace OciFtraceHook.Tests.SavedTraces;

/// <summary>Temporary files of saves that never finished: which are removed (exactly a save's
/// temporary name, its writer gone), and which are never touched.</summary>
public class AbandonedSavesTests
{
    private const string Base = "oci-ftrace-web-1-0123456789abcdef-1f-2a-20250304T030607Z";
    private const int Ended = 999_999_901;
    private const int Running = 999_999_902;
    private static bool IsAlive(int pid) => pid == Running;
    private string _dir = null!;

    [SetUp]
    public void CreateSaveDir() => _dir = Directory.CreateTempSubdirectory("abandoned-saves").FullName;

    [TearDown]
    public void RemoveSaveDir() => Directory.Delete(_dir, recursive: true);

    private string Put(string name, string text = "x")
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Test]
    public void The_temporary_of_an_ended_writer_goes_and_a_running_writer_s_stays()
    {
        var abandoned = Put($".{Base}.{Ended}.partial");
        var named = Put($".oci-ftrace-web-1-0123456789abcdef-1f-2a-web_app-20250304T030607Z.{Ended}.partial");
        var writing = Put($".{Base}.{Running}.partial");
        var removed = AbandonedSaves.Remove([_dir], IsAlive);
        Assert.Multiple(() =>
        {
            Assert.That(removed, Is.EquivalentTo(new[] { abandoned, named }));
            Assert.That(File.Exists(abandoned), Is.False);
            Assert.That(File.Exists(named), Is.False);
            Assert.That(File.Exists(writing), Is.True);
        });
    }

    [TestCase("oci-ftrace-web-1-0123456789abcdef-1f-2a-20250304T030607Z.trace.dat")]
    [TestCase("." + Base + ".999999901.partial.bak")]
    [TestCase(Base + ".999999901.partial")]
    [TestCase("." + Base + ".0999999901.partial")]
    [TestCase("." + Base + ".partial")]
    [TestCase("." + Base + ".-5.partial")]
    [TestCase(".oci-ftrace-web-1.999999901.partial")]
    [TestCase(".someone-20250304T030607Z.999999901.partial")]
    [TestCase(".oci-ftrace-web-1-0123456789abcdef-1f-2a-20250304T030607Z.99999990100000.partial")]
    [TestCase(".oci-ftrace-a b-20250304T030607Z.999999901.partial")]
    [TestCase(".oci-ftrace-web-1-2025030xT030607Z.999999901.partial")]
    [TestCase(".oci-ftrace--20250304T030607Z.999999901.partial")]
    public void Anything_not_exactly_a_save_s_temporary_name_is_never_touched(string name)
    {
        var path = Put(name);
        Assert.That(AbandonedSaves.Remove([_dir], IsAlive), Is.Empty);
        Assert.That(File.Exists(path), Is.True);
    }

    [Test]
    public void A_symlink_or_a_directory_with_such_a_name_is_never_touched()
    {
        var target = Put("victim", "keep");
        var link = Path.Combine(_dir, $".{Base}.{Ended}.partial");
        File.CreateSymbolicLink(link, target);
        var dir = Directory.CreateDirectory(Path.Combine(_dir, $".{Base}.{Ended + 2}.partial")).FullName;
        Assert.That(AbandonedSaves.Remove([_dir], IsAlive), Is.Empty);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(target), Is.EqualTo("keep"));
            Assert.That(new FileInfo(link).LinkTarget, Is.EqualTo(target));
            Assert.That(Directory.Exists(dir), Is.True);
        });
    }

    [Test]
    public void A_directory_that_is_not_safe_to_act_in_is_skipped()
    {
        var abandoned = Put($".{Base}.{Ended}.partial");
        File.SetUnixFileMode(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);
        Assert.That(AbandonedSaves.Remove([_dir, Path.Combine(_dir, "missing")], IsAlive), Is.Empty);
        Assert.That(File.Exists(abandoned), Is.True, "a directory others may write is not the hook's: nothing is removed there");
    }

    [Test]
    public void Under_run_only_the_temporary_of_a_pending_save_whose_writer_ended_goes()
    {
        const string Instance = "oci-ftrace-web-1-0123456789abcdef-1f-2a";
        var abandoned = Put($".{Instance}{AbandonedSaves.PendingSuffix}.{Ended}.partial");
        var writing = Put($".{Instance}{AbandonedSaves.PendingSuffix}.{Running}.partial");
        var pending = Put($"{Instance}{AbandonedSaves.PendingSuffix}");
        var savedTemporary = Put($".{Base}.{Ended}.partial");
        var record = Put($"{Instance}.json");
        Assert.That(AbandonedSaves.RemovePending(_dir, IsAlive), Is.EqualTo(new[] { abandoned }));
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(abandoned), Is.False);
            Assert.That(File.Exists(writing), Is.True, "its writer still runs");
            Assert.That(File.Exists(pending), Is.True, "a pending save is the next try's to publish");
            Assert.That(File.Exists(savedTemporary), Is.True, "not a pending save's temporary: a save directory's kind");
            Assert.That(File.Exists(record), Is.True);
        });
        Assert.That(AbandonedSaves.Remove([_dir], IsAlive), Is.EqualTo(new[] { savedTemporary }), "and the other way round");
        Assert.That(File.Exists(writing), Is.True);
    }
}
