using System.Text.Json.Nodes;
using OciFtraceHook.Commands;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.Commands;

/// <summary>What the shim does to a bundle before it hands over to the real runtime.</summary>
public class RuntimeShimTests
{
    private const string HookPath = "/usr/libexec/oci-ftrace-hook/oci-ftrace-hook";
    private const string Config = """{"ociVersion":"1.0.2","root":{"path":"rootfs"},"hooks":{"prestart":[{"path":"/other"}]}}""";
    private string _bundle = null!;
    private readonly List<string> _warnings = [];

    [SetUp]
    public void Create()
    {
        _bundle = Path.Combine(Path.GetTempPath(), "shim-bundle-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_bundle);
        _warnings.Clear();
    }

    [TearDown]
    public void Remove() => Directory.Delete(_bundle, recursive: true);

    private string ConfigPath => Path.Combine(_bundle, "config.json");

    private bool Shim(string config, HookConf? host = null, string verb = "create")
    {
        if (config.Length > 0) File.WriteAllText(ConfigPath, config);
        var line = RuntimeCommandLine.Parse(["--root", "/run/runc", verb, "--bundle", _bundle, "id1"]);
        return RuntimeShim.AddHooksIfOptedIn(line, host ?? new HookConf(), HookPath, _warnings.Add);
    }

    [Test]
    public void An_opted_in_config_gets_both_hooks_after_its_own_with_the_same_mode_and_no_temporary_left()
    {
        File.WriteAllText(ConfigPath, Config);
        File.SetUnixFileMode(ConfigPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        Assert.That(Shim(""), Is.True);
        var config = JsonNode.Parse(File.ReadAllText(ConfigPath))!;
        Assert.Multiple(() =>
        {
            Assert.That(config["hooks"]!["prestart"]!.AsArray().Select(h => (string)h!["path"]!), Is.EqualTo(new[] { "/other", HookPath }));
            Assert.That((string)config["hooks"]!["poststop"]![0]!["args"]![1]!, Is.EqualTo("poststop"));
            Assert.That(config["hooks"]!["poststop"]![0]!["env"]!.AsArray().Select(e => (string)e!),
                Does.Contain("PATH=/usr/sbin:/usr/bin:/sbin:/bin"));
            Assert.That((int)config["hooks"]!["prestart"]![1]!["timeout"]!, Is.EqualTo(RuntimeShim.PrestartTimeoutSeconds));
            Assert.That(File.GetUnixFileMode(ConfigPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead));
            Assert.That(Directory.GetFiles(_bundle).Select(Path.GetFileName), Is.EqualTo(new[] { "config.json" }));
            Assert.That(_warnings, Is.Empty);
        });
    }

    [Test]
    public void Run_is_treated_as_create() => Assert.That(Shim(Config, verb: "run"), Is.True);

    [Test]
    public void A_config_that_already_names_the_hook_is_left_alone()
    {
        Assert.That(Shim(Config), Is.True);
        var once = File.ReadAllText(ConfigPath);
        Assert.That(Shim(""), Is.False);
        Assert.That(File.ReadAllText(ConfigPath), Is.EqualTo(once));
    }

    [TestCase("false", "runtime", false)]
    [TestCase(null, "runtime", true)]
    [TestCase(null, "annotation", false)]
    [TestCase("true", "annotation", true)]
    [TestCase("false", "annotation", false)]
    public void Opt_in_follows_hook_conf_and_the_annotation(string? enabled, string shimOptIn, bool traced)
    {
        var optIn = shimOptIn == "runtime" ? ShimOptIn.Runtime : ShimOptIn.Annotation;
        var config = enabled is null ? Config : Config.Replace("\"ociVersion\"", $"\"annotations\":{{\"org.ociftracehook.enabled\":\"{enabled}\"}},\"ociVersion\"");
        File.WriteAllText(ConfigPath, config);
        Assert.That(Shim("", new HookConf { ShimOptIn = optIn }), Is.EqualTo(traced));
        if (!traced) Assert.That(File.ReadAllText(ConfigPath), Is.EqualTo(config));
        Assert.That(_warnings, Is.Empty);
    }

    [TestCase("runtime", "io.kubernetes.cri.container-type", "sandbox", false)]
    [TestCase("annotation", "io.kubernetes.cri.container-type", "sandbox", false)]
    [TestCase("annotation", "io.kubernetes.cri-o.ContainerType", "sandbox", false)]
    [TestCase("annotation", "io.kubernetes.cri.container-type", "container", true)]
    public void A_pods_sandbox_is_never_traced_though_the_pod_opts_in(string shimOptIn, string key, string type, bool traced)
    {
        var optIn = shimOptIn == "runtime" ? ShimOptIn.Runtime : ShimOptIn.Annotation;
        var config = Config.Replace("\"ociVersion\"", $"\"annotations\":{{\"org.ociftracehook.enabled\":\"true\",\"{key}\":\"{type}\"}},\"ociVersion\"");
        File.WriteAllText(ConfigPath, config);
        Assert.That(Shim("", new HookConf { ShimOptIn = optIn }), Is.EqualTo(traced));
        if (!traced) Assert.That(File.ReadAllText(ConfigPath), Is.EqualTo(config));
        Assert.That(_warnings, Is.Empty);
    }

    [TestCase("{\"root\": ", "is not valid JSON")]
    [TestCase("[]", "is a JSON Array, not an object")]
    [TestCase("""{"hooks":{"prestart":"x"}}""", "'hooks.prestart' is a JSON String")]
    public void An_invalid_config_is_handed_over_unchanged_with_one_warning(string config, string why)
    {
        Assert.That(Shim(config), Is.False);
        Assert.That(File.ReadAllText(ConfigPath), Is.EqualTo(config));
        Assert.That(_warnings, Has.Count.EqualTo(1));
        Assert.That(_warnings[0], Does.Contain(why).And.EndsWith("handed to /usr/sbin/runc unchanged, untraced"));
        Assert.That(Directory.GetFileSystemEntries(_bundle), Has.Length.EqualTo(1));
    }

    [Test]
    public void A_missing_config_is_one_warning()
    {
        Assert.That(Shim(""), Is.False);
        Assert.That(_warnings, Has.Count.EqualTo(1));
        Assert.That(_warnings[0], Does.StartWith($"cannot read {ConfigPath}"));
        Assert.That(Directory.GetFileSystemEntries(_bundle), Is.Empty);
    }

    [Test]
    public void An_unreadable_config_is_one_warning()
    {
        Directory.CreateDirectory(ConfigPath);
        Assert.That(Shim(""), Is.False);
        Assert.That(_warnings, Has.Count.EqualTo(1));
        Assert.That(_warnings[0], Does.StartWith($"cannot read {ConfigPath}"));
    }

    [Test]
    public void A_huge_config_is_handed_over_unread()
    {
        using (var file = File.Create(ConfigPath)) file.SetLength(HookInput.MaxConfigBytes + 1);
        Assert.That(Shim(""), Is.False);
        Assert.That(_warnings.Single(), Does.Contain("is larger than 16384 KiB"));
        Assert.That(new FileInfo(ConfigPath).Length, Is.EqualTo(HookInput.MaxConfigBytes + 1));
    }

    [Test]
    public void A_command_line_it_cannot_read_for_sure_is_handed_over_untraced()
    {
        File.WriteAllText(ConfigPath, Config);
        var line = RuntimeCommandLine.Parse(["create", "--future-flag", _bundle, "id1"]);
        Assert.That(RuntimeShim.AddHooksIfOptedIn(line, new HookConf(), HookPath, _warnings.Add), Is.False);
        Assert.That(_warnings.Single(), Is.EqualTo("unknown create flag '--future-flag': the container is handed to /usr/sbin/runc untraced"));
        Assert.That(File.ReadAllText(ConfigPath), Is.EqualTo(Config));
    }

    [Test]
    public void An_opted_in_container_behind_a_flag_it_cannot_read_is_refused_naming_the_flag()
    {
        File.WriteAllText(ConfigPath, """{"ociVersion":"1.0.2","annotations":{"org.ociftracehook.enabled":"true"}}""");
        foreach (var args in new[] { new[] { "create", "--future-flag", "--bundle", _bundle, "id1" }, ["--future", "run", "-b=" + _bundle, "id1"] })
        {
            var line = RuntimeCommandLine.Parse(args);
            var refusal = Assert.Throws<ShimRefusedException>(() => RuntimeShim.AddHooksIfOptedIn(line, new HookConf(), HookPath, _warnings.Add));
            Assert.That(refusal!.Message, Does.StartWith(line.Problem + ": refused, as this container asks to be traced"));
        }
        Assert.That(RuntimeCommandLine.Parse(["create", "--pidfd-socket", "/s", "--bundle", _bundle, "id1"]).Understood, "runc 1.2's flag is known");
    }

    [Test]
    public void The_runtime_and_opt_in_come_from_hook_conf()
    {
        var conf = Path.Combine(_bundle, "hook.conf");
        File.WriteAllText(conf, "runtime = /opt/runc/bin/runc\nshim-opt-in = annotation\n");
        Assert.That(HookConf.Load(conf), Is.EqualTo(new HookConf { Runtime = "/opt/runc/bin/runc", ShimOptIn = ShimOptIn.Annotation, ConfigPath = conf }));
        File.WriteAllText(conf, "runtime = runc\n");
        Assert.That(() => HookConf.Load(conf), Throws.TypeOf<HookException>().With.Message.EndsWith("line 1: runtime: expected an absolute path"));
        File.WriteAllText(conf, "shim-opt-in = always\n");
        Assert.That(() => HookConf.Load(conf), Throws.TypeOf<HookException>().With.Message.EndsWith("line 1: expected runtime or annotation"));
    }
}
