using System.Text;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.Oci;

public class HookInputTests
{
    private const int MaxStateBytes = 1 << 20;

    private string? _temp;

    [TearDown]
    public void RemoveTemp()
    {
        if (_temp is not null) Directory.Delete(_temp, recursive: true);
        _temp = null;
    }

    private string TempDir() => _temp ??= Directory.CreateTempSubdirectory("hook-input-").FullName;

    private static MemoryStream Stdin(string text) => new(Encoding.UTF8.GetBytes(text));

    private static ContainerState ReadState(string text) => HookInput.ReadState(Stdin(text));

    private string Bundle(string? configJson)
    {
        var bundle = Path.Combine(TempDir(), "bundle");
        Directory.CreateDirectory(bundle);
        if (configJson is not null) File.WriteAllText(Path.Combine(bundle, "config.json"), configJson);
        return bundle;
    }

    [Test]
    public void A_valid_state_is_parsed()
    {
        var state = ReadState("""
            {
              "ociVersion": "1.0.2",
              "id": "web-1",
              "status": "created",
              "pid": 4321,
              "bundle": "/srv/bundles/web-1",
              "annotations": { "org.ociftracehook.syscalls": "openat", "com.example": "x" },
              "unknownField": [1, 2, 3]
            }
            """);
        Assert.Multiple(() =>
        {
            Assert.That(state.OciVersion, Is.EqualTo("1.0.2"));
            Assert.That(state.Id, Is.EqualTo("web-1"));
            Assert.That(state.Status, Is.EqualTo("created"));
            Assert.That(state.Pid, Is.EqualTo(4321));
            Assert.That(state.Bundle, Is.EqualTo("/srv/bundles/web-1"));
            Assert.That(state.Annotations, Is.EquivalentTo(new Dictionary<string, string>
            {
                ["org.ociftracehook.syscalls"] = "openat",
                ["com.example"] = "x",
            }));
        });
    }

    [Test]
    public void A_state_without_pid_or_annotations_has_them_null()
    {
        var state = ReadState("""{"id":"c","status":"stopped","bundle":"/b"}""");
        Assert.Multiple(() =>
        {
            Assert.That(state.Pid, Is.Null);
            Assert.That(state.Annotations, Is.Null);
            Assert.That(state.Status, Is.EqualTo("stopped"));
        });
    }

    [TestCase("")]
    [TestCase(" ")]
    [TestCase(" \n\t\r\n  ")]
    public void Empty_stdin_is_refused(string text)
    {
        Assert.That(() => ReadState(text),
            Throws.TypeOf<HookException>().With.Message.StartsWith("no OCI state on stdin").And.Message.Contains("OCI hook"));
    }

    [TestCase("not json")]
    [TestCase("{\"id\": \"c1\"")]
    [TestCase("[1, 2]")]
    [TestCase("[]")]
    [TestCase("\"a string\"")]
    [TestCase("{\"id\": \"c1\", \"pid\": \"12\"}")]
    [TestCase("{\"id\": \"c1\", \"pid\": 12.5}")]
    [TestCase("{\"id\": 7}")]
    [TestCase("{\"id\": \"c1\", \"annotations\": [\"a\"]}")]
    public void Input_that_is_not_a_state_object_is_refused(string text)
    {
        Assert.That(() => ReadState(text),
            Throws.TypeOf<HookException>().With.Message.StartsWith("the OCI state on stdin is not valid: ").And.Message.Not.Contain("\n"));
    }

    [TestCase("{\"id\": \"c1\", \"pid\": \"12\"}", "$.pid is not a whole number")]
    [TestCase("{\"id\": 7}", "$.id is not a string")]
    [TestCase("{\"id\": \"c1\", \"annotations\": {\"a\": 1}}", "a value of $.annotations is not a string")]
    [TestCase("[]", "$ is not an object")]
    [TestCase("{\"id\": \"c1\", \"bundle\": \"/b\\ud800\"}", "the OCI state on stdin is not valid: ")]
    public void A_field_of_the_wrong_kind_is_named_by_its_path(string text, string expected) =>
        Assert.That(() => ReadState(text), Throws.TypeOf<HookException>().With.Message.Contains(expected));

    [Test]
    public void A_field_given_twice_counts_by_its_last_value_as_in_go() =>
        Assert.That(ReadState("{\"id\": \"first\", \"id\": \"last\", \"pid\": null}").Id, Is.EqualTo("last"));

    [Test]
    public void A_pid_given_as_a_string_is_named_in_the_error()
    {
        Assert.That(() => ReadState("{\"id\": \"c1\", \"pid\": \"12\"}"),
            Throws.TypeOf<HookException>().With.Message.Contains("pid"));
    }

    [TestCase("null")]
    [TestCase("  null\n")]
    public void JSON_null_is_refused(string text)
    {
        Assert.That(() => ReadState(text),
            Throws.TypeOf<HookException>().With.Message.EqualTo("the OCI state on stdin is JSON null, not an object"));
    }

    [Test]
    public void A_state_over_1_MiB_is_refused()
    {
        var text = "{\"id\":\"c\",\"pad\":\"" + new string('a', MaxStateBytes) + "\"}";
        Assert.That(() => ReadState(text),
            Throws.TypeOf<HookException>().With.Message.EqualTo("the OCI state on stdin is larger than 1024 KiB"));
    }

    [Test]
    public void A_state_of_exactly_1_MiB_is_read()
    {
        var json = "{\"id\":\"c\",\"pid\":77}";
        var text = json + new string(' ', MaxStateBytes - json.Length);
        Assert.That(Encoding.UTF8.GetByteCount(text), Is.EqualTo(MaxStateBytes));
        Assert.That(ReadState(text).Pid, Is.EqualTo(77));
    }

    [Test]
    public void A_state_one_byte_over_1_MiB_is_refused()
    {
        var json = "{\"id\":\"c\",\"pid\":77}";
        var text = json + new string(' ', MaxStateBytes + 1 - json.Length);
        Assert.That(() => ReadState(text), Throws.TypeOf<HookException>().With.Message.Contains("larger than"));
    }

    [Test]
    public void A_valid_config_is_parsed()
    {
        var bundle = Bundle("""
            {
              "ociVersion": "1.0.2",
              "root": { "path": "rootfs", "readonly": true },
              "process": { "user": { "uid": 1000, "gid": 100 }, "args": ["sh"] },
              "annotations": { "org.ociftracehook.enabled": "false" },
              "linux": { "uidMappings": [ { "containerID": 0, "hostID": 100000, "size": 65536 } ] }
            }
            """);
        var config = HookInput.ReadConfig(bundle);
        Assert.Multiple(() =>
        {
            Assert.That(config.Root?.Path, Is.EqualTo("rootfs"));
            Assert.That(config.Root?.Readonly, Is.True);
            Assert.That(config.Process?.User?.Uid, Is.EqualTo(1000u));
            Assert.That(config.Process?.User?.Gid, Is.EqualTo(100u));
            Assert.That(config.Annotations, Does.ContainKey("org.ociftracehook.enabled").WithValue("false"));
            Assert.That(config.Linux?.UidMappings, Is.EqualTo(new[] { new IdMapping { ContainerId = 0, HostId = 100000, Size = 65536 } }));
        });
    }

    [TestCase(null)]
    [TestCase("")]
    public void A_missing_bundle_is_refused(string? bundle)
    {
        Assert.That(() => HookInput.ReadConfig(bundle), Throws.TypeOf<HookException>().With.Message.EqualTo("the OCI state has no bundle"));
    }

    [TestCase("bundle")]
    [TestCase("./srv/bundle")]
    [TestCase("../bundle")]
    public void A_relative_bundle_is_refused(string bundle)
    {
        Assert.That(() => HookInput.ReadConfig(bundle),
            Throws.TypeOf<HookException>().With.Message.Contains($"bundle '{bundle}'").And.Message.Contains("not an absolute path"));
    }

    [Test]
    public void A_bundle_without_config_json_is_refused()
    {
        var bundle = Bundle(configJson: null);
        var path = Path.Combine(bundle, "config.json");
        Assert.That(() => HookInput.ReadConfig(bundle),
            Throws.TypeOf<HookException>().With.Message.StartsWith($"cannot read {path}"));
    }

    [Test]
    public void A_bundle_that_does_not_exist_is_refused()
    {
        var bundle = Path.Combine(TempDir(), "no-such-bundle");
        Assert.That(() => HookInput.ReadConfig(bundle),
            Throws.TypeOf<HookException>().With.Message.StartsWith($"cannot read {bundle}/config.json"));
    }

    [TestCase("{ \"root\": ")]
    [TestCase("root: rootfs")]
    [TestCase("{ \"root\": { \"path\": 5 } }")]
    [TestCase("{ \"process\": { \"user\": { \"uid\": -1 } } }")]
    public void An_invalid_config_is_refused_naming_the_file(string configJson)
    {
        var bundle = Bundle(configJson);
        Assert.That(() => HookInput.ReadConfig(bundle),
            Throws.TypeOf<HookException>().With.Message.StartsWith($"{Path.Combine(bundle, "config.json")} is not valid: "));
    }

    [Test]
    public void A_null_config_is_refused()
    {
        var bundle = Bundle("null");
        Assert.That(() => HookInput.ReadConfig(bundle),
            Throws.TypeOf<HookException>().With.Message.Contains("is JSON null"));
    }

    [Test]
    public void A_relative_root_path_is_under_the_bundle()
    {
        var config = new ContainerConfig { Root = new RootConfig { Path = "rootfs" } };
        Assert.Multiple(() =>
        {
            Assert.That(HookInput.RootfsOf("/srv/bundles/c1", config), Is.EqualTo("/srv/bundles/c1/rootfs"));
            Assert.That(HookInput.RootfsOf("/srv/bundles/c1/", config), Is.EqualTo("/srv/bundles/c1/rootfs"));
            Assert.That(HookInput.RootfsOf("/srv/bundles/c1", new ContainerConfig { Root = new RootConfig { Path = "./a/../rootfs/" } }),
                Is.EqualTo("/srv/bundles/c1/rootfs/"));
            Assert.That(HookInput.RootfsOf("/srv/bundles/c1", new ContainerConfig { Root = new RootConfig { Path = "../shared/rootfs" } }),
                Is.EqualTo("/srv/bundles/shared/rootfs"));
        });
    }

    [Test]
    public void An_absolute_root_path_is_kept()
    {
        var config = new ContainerConfig { Root = new RootConfig { Path = "/var/lib/images/alpine" } };
        Assert.That(HookInput.RootfsOf("/srv/bundles/c1", config), Is.EqualTo("/var/lib/images/alpine"));
    }

    [Test]
    public void A_missing_root_path_is_refused()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => HookInput.RootfsOf("/b", new ContainerConfig()),
                Throws.TypeOf<HookException>().With.Message.EqualTo("config.json has no root.path"));
            Assert.That(() => HookInput.RootfsOf("/b", new ContainerConfig { Root = new RootConfig() }),
                Throws.TypeOf<HookException>().With.Message.EqualTo("config.json has no root.path"));
            Assert.That(() => HookInput.RootfsOf("/b", new ContainerConfig { Root = new RootConfig { Path = "" } }),
                Throws.TypeOf<HookException>().With.Message.EqualTo("config.json has no root.path"));
        });
    }

    [Test]
    public void A_root_path_with_a_NUL_is_refused()
    {
        var config = new ContainerConfig { Root = new RootConfig { Path = "root\0fs" } };
        Assert.That(() => HookInput.RootfsOf("/b", config), Throws.TypeOf<HookException>().With.Message.Contains("NUL"));
    }

    [Test]
    public void The_root_path_read_from_a_config_file_resolves_against_the_bundle()
    {
        var bundle = Bundle("""{ "root": { "path": "rootfs" } }""");
        var config = HookInput.ReadConfig(bundle);
        Assert.That(HookInput.RootfsOf(bundle, config), Is.EqualTo(Path.Combine(bundle, "rootfs")));
    }
}
