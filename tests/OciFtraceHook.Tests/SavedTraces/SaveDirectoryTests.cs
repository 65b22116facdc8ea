using OciFtraceHook.Oci;
using OciFtraceHook.SavedTraces;

namespace OciFtraceHook.Tests.SavedTracesTests;

public class SaveDirectoryTests
{
    private string _dir = null!;

    [SetUp]
    public void Create()
    {
        _dir = Path.Combine(Path.GetTempPath(), "save-dir-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [TearDown]
    public void Remove()
    {
        Directory.Delete(_dir, recursive: true);
    }

    private HookConf Host(params string[] allowed) => new() { SaveDir = Path.Combine(_dir, "host"), AllowedSaveDirs = allowed };

    private string Sub(string name)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Test]
    public void An_annotation_may_pick_only_a_directory_hook_conf_allows()
    {
        var allowed = Sub("team-a");
        var other = Sub("team-b");
        Assert.Multiple(() =>
        {
            Assert.That(SaveDirectory.Choose(allowed, Host(allowed)), Is.EqualTo(allowed));
            Assert.That(SaveDirectory.Choose(Path.Combine(_dir, "host"), Host()), Is.EqualTo(Path.Combine(_dir, "host")),
                "the host's own directory, made on first save");
            Assert.That(() => SaveDirectory.Choose(other, Host(allowed)),
                Throws.TypeOf<HookException>().With.Message.Contains("refused: not a save directory hook.conf allows"));
            Assert.That(() => SaveDirectory.Choose("/etc", Host()), Throws.TypeOf<HookException>().With.Message.Contains("not a save directory"));
        });
    }

    [TestCase(false)]
    [TestCase(true)]
    public void A_symlink_anywhere_on_the_way_is_refused(bool walk)
    {
        var real = Sub("real");
        Directory.CreateDirectory(Path.Combine(real, "traces"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.CreateSymbolicLink(Path.Combine(_dir, "link"), real);
        Assert.Multiple(() =>
        {
            Assert.That(() => SaveDirectory.Open(Path.Combine(_dir, "link", "traces"), create: false, Resolution(walk)),
                Throws.TypeOf<HookException>().With.Message.Contains("a component is a symlink"));
            Assert.That(() => SaveDirectory.Open(Path.Combine(_dir, "link"), create: false, Resolution(walk)),
                Throws.TypeOf<HookException>().With.Message.Contains("a component is a symlink"));
            Assert.That(() => SaveDirectory.Open(Path.Combine(_dir, "link", "new"), create: true, Resolution(walk)), Throws.TypeOf<HookException>());
            Assert.That(Directory.Exists(Path.Combine(real, "new")), Is.False, "nothing is made behind the link");
        });
        using var opened = SaveDirectory.Open(Path.Combine(real, "traces"), create: false, Resolution(walk));
        Assert.That(opened.IsInvalid, Is.False);
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Missing_components_are_made_root_only(bool walk)
    {
        var target = Path.Combine(_dir, "a", "b", "traces");
        using (SaveDirectory.Open(target, create: true, Resolution(walk))) { }
        Assert.That(File.GetUnixFileMode(target), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        Assert.That(() => SaveDirectory.Open(Path.Combine(_dir, "x", "y"), create: false, Resolution(walk)), Throws.InstanceOf<IOException>());
    }

    [Test]
    public void A_directory_others_may_write_to_is_refused()
    {
        var open = Sub("open");
        File.SetUnixFileMode(open, (UnixFileMode)0x1FF /* 0777 */);
        Assert.That(() => SaveDirectory.Open(open, create: false),
            Throws.TypeOf<HookException>().With.Message.Contains("writable by group or others"));
    }

    [Test]
    public void A_directory_of_another_user_is_refused()
    {
        if (!Environment.IsPrivilegedProcess) Assert.Ignore("needs root to give a directory to another user");
        var theirs = Sub("theirs");
        Assert.That(Mono.Unix.Native.Syscall.chown(theirs, 65534, 65534), Is.Zero);
        Assert.That(() => SaveDirectory.Open(theirs, create: false), Throws.TypeOf<HookException>().With.Message.Contains("owned by uid 65534"));
    }

    [Test]
    public void A_file_in_place_of_the_directory_is_refused()
    {
        var file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");
        Assert.That(() => SaveDirectory.Open(file, create: false), Throws.InstanceOf<IOException>().Or.InstanceOf<HookException>());
    }

    private static PathResolution Resolution(bool walk) => walk ? PathResolution.Walk : PathResolution.Kernel;
}
