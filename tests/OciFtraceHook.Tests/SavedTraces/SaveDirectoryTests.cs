using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;
using OciFtraceHook.SavedTraces;

namespace OciFtraceHook.Tests.SavedTracesTests;

public class SaveDirectoryTests
{
    private string _dir = null!;

    [SetUp]
    public void Create()
    {
        _dir = Path.Combine(Path.GetTempPath(), "save-dir-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void An_existing_ordinary_directory_is_accepted_as_its_real_path()
    {
        var link = Path.Combine(_dir, "link");
        Directory.CreateDirectory(Path.Combine(_dir, "real"));
        File.CreateSymbolicLink(link, Path.Combine(_dir, "real"));
        Assert.That(SaveDirectory.Check(link), Is.EqualTo(Path.Combine(_dir, "real")));
    }

    [Test]
    public void The_default_directory_is_accepted_before_it_exists() =>
        Assert.That(SaveDirectory.Check(HookSettings.DefaultSaveDir), Is.EqualTo(HookSettings.DefaultSaveDir));

    [TestCase("/etc")]
    [TestCase("/etc/cron.d")]
    [TestCase("/usr/lib")]
    [TestCase("/root")]
    [TestCase("/var/lib")]
    public void System_directories_are_refused(string dir)
    {
        if (!Directory.Exists(dir)) Assert.Ignore($"{dir} does not exist on this host");
        var error = Assert.Throws<HookException>(() => SaveDirectory.Check(dir));
        Assert.That(error!.Message, Does.StartWith($"annotation {HookSettings.SaveDirKey}={dir}: refused").And.Contain("system directory"));
    }

    [Test]
    public void A_symlink_leading_to_a_system_directory_is_refused()
    {
        var link = Path.Combine(_dir, "innocent");
        File.CreateSymbolicLink(link, "/etc");
        var error = Assert.Throws<HookException>(() => SaveDirectory.Check(link));
        Assert.That(error!.Message, Does.Contain("it leads to /etc, under /etc"));
    }

    [Test]
    public void A_missing_directory_is_refused()
    {
        var error = Assert.Throws<HookException>(() => SaveDirectory.Check(Path.Combine(_dir, "missing")));
        Assert.That(error!.Message, Does.Contain("it does not exist"));
    }

    [Test]
    public void A_file_is_refused()
    {
        var file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "");
        var error = Assert.Throws<HookException>(() => SaveDirectory.Check(file));
        Assert.That(error!.Message, Does.Contain("not a directory"));
    }
}
