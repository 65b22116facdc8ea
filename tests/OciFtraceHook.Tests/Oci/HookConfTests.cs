using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.OciTests;

public class HookConfTests
{
    private string _dir = null!;

    [SetUp]
    public void Create()
    {
        _dir = Path.Combine(Path.GetTempPath(), "host-defaults-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    private HookConf Load(string text)
    {
        var path = Path.Combine(_dir, "hook.conf");
        File.WriteAllText(path, text);
        return HookConf.Load(path);
    }

    [Test]
    public void A_missing_file_means_the_built_in_defaults() =>
        Assert.That(HookConf.Load(Path.Combine(_dir, "missing.conf")), Is.EqualTo(new HookConf { ConfigPath = Path.Combine(_dir, "missing.conf") }));

    [Test]
    public void Every_key_is_read()
    {
        var defaults = Load("# comment\n\nsave-dir = /srv/traces/\nmax-saved-mb = 20\nmax-buffer-size-kb=1024\n");
        Assert.That(defaults, Is.EqualTo(new HookConf { SaveDir = "/srv/traces", MaxSavedBytes = 20L << 20, MaxBufferSizeKb = 1024, ConfigPath = Path.Combine(_dir, "hook.conf") }));
    }

    [TestCase("save-dir = relative", "line 1: annotation save-dir=relative: expected an absolute path")]
    [TestCase("max-saved-mb = -1", "line 1: expected a whole number from 0")]
    [TestCase("\nmax-buffer-size-kb = 0", "line 2: expected a whole number from 1")]
    [TestCase("colour = blue", "line 1: unknown key 'colour'")]
    [TestCase("just words", "line 1: expected key = value")]
    public void A_bad_line_names_the_file_and_line(string text, string message)
    {
        var error = Assert.Throws<HookException>(() => Load(text));
        Assert.That(error!.Message, Does.StartWith(Path.Combine(_dir, "hook.conf") + " ").And.Contain(message));
    }

    [Test]
    public void The_host_sets_the_default_save_dir_and_caps_the_buffer()
    {
        var host = new HookConf { SaveDir = "/srv/traces", MaxBufferSizeKb = 100 };
        Assert.That(HookSettings.FromAnnotations(null, host).SaveDir, Is.EqualTo("/srv/traces"));
        Assert.That(HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.BufferSizeKey] = "100" }, host).BufferSizeKb, Is.EqualTo(100));
        var error = Assert.Throws<HookException>(() =>
            HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.BufferSizeKey] = "101" }, host));
        Assert.That(error!.Message, Does.Contain("from 1 to 100"));
    }
}
