using OciFtraceHook.HostFiles;
using OciFtraceHook.Records;

namespace OciFtraceHook.Tests.HostFilesTests;

public class RunDirectoryTests
{
    private string _temp = null!;

    [SetUp]
    public void CreateDir() => _temp = Directory.CreateTempSubdirectory("run-dir-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_temp, recursive: true);

    private const UnixFileMode Owner = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    [Test]
    public void Records_make_their_directories_0700()
    {
        var records = new InstanceRecords(Path.Combine(_temp, "oci-ftrace-hook", "instances"));
        records.EnsureDir();
        Assert.Multiple(() =>
        {
            Assert.That(File.GetUnixFileMode(Path.Combine(_temp, "oci-ftrace-hook")), Is.EqualTo(Owner));
            Assert.That(File.GetUnixFileMode(records.Dir), Is.EqualTo(Owner));
        });
    }

    [Test]
    public void An_open_directory_of_ours_is_closed()
    {
        var dir = Path.Combine(_temp, "old");
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED /* 0755 */);
        RunDirectory.Ensure(dir);
        Assert.That(File.GetUnixFileMode(dir), Is.EqualTo(Owner));
    }

    [Test]
    public void A_symlink_in_its_place_is_refused()
    {
        var elsewhere = Directory.CreateDirectory(Path.Combine(_temp, "elsewhere")).FullName;
        var link = Path.Combine(_temp, "oci-ftrace-hook");
        File.CreateSymbolicLink(link, elsewhere);
        Assert.That(() => new InstanceRecords(Path.Combine(link, "instances")).EnsureDir(),
            Throws.TypeOf<HookException>().With.Message.Contains("it is not a directory (a symlink?)"));
        Assert.That(Directory.GetFileSystemEntries(elsewhere), Is.Empty, "nothing is made behind the link");
    }

    [Test]
    public void A_directory_of_another_user_is_refused()
    {
        if (!Environment.IsPrivilegedProcess) Assert.Ignore("needs root to give a directory to another user");
        var dir = Path.Combine(_temp, "theirs");
        Directory.CreateDirectory(dir, Owner);
        Assert.That(Mono.Unix.Native.Syscall.chown(dir, 65534, 65534), Is.Zero);
        Assert.That(() => RunDirectory.Ensure(dir), Throws.TypeOf<HookException>().With.Message.Contains("owned by uid 65534"));
    }
}
