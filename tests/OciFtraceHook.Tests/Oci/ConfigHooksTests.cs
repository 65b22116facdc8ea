using System.Text;
using System.Text.Json.Nodes;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.Oci;

public class ConfigHooksTests
{
    private static readonly HookEntry Prestart = new() { Path = "/h", Args = ["oci-ftrace-hook", "prestart"], Env = ["PATH=/bin"], Timeout = 10 };
    private static readonly HookEntry Poststop = new() { Path = "/h", Args = ["oci-ftrace-hook", "poststop"], Env = ["PATH=/bin"], Timeout = 60 };

    private static string Append(string json)
    {
        using var document = ConfigHooks.Parse(Encoding.UTF8.GetBytes(json));
        return Encoding.UTF8.GetString(ConfigHooks.Append(document.RootElement, Prestart, Poststop));
    }

    [Test]
    public void Hooks_are_added_at_the_end_and_everything_else_is_kept_as_written()
    {
        var output = Append("""{"ociVersion":"1.0.2","process":{"args":["sh","-c","echo <é+'>"],"rlimit":1.50e3},"root":{"path":"rootfs"}}""");
        var hooks = """
            "hooks":{"prestart":[{"path":"/h","args":["oci-ftrace-hook","prestart"],"env":["PATH=/bin"],"timeout":10}],
            """.Trim() + """
            "poststop":[{"path":"/h","args":["oci-ftrace-hook","poststop"],"env":["PATH=/bin"],"timeout":60}]}}
            """.Trim();
        Assert.That(output, Is.EqualTo("""{"ociVersion":"1.0.2","process":{"args":["sh","-c","echo <é+'>"],"rlimit":1.50e3},"root":{"path":"rootfs"},""" + hooks));
    }

    [Test]
    public void Existing_hooks_stay_first_and_other_stages_are_untouched()
    {
        var output = JsonNode.Parse(Append("""
            {"hooks":{"createRuntime":[{"path":"/a"}],"prestart":[{"path":"/b","args":["b"]}],"poststop":null},"root":{"path":"r"}}
            """))!;
        Assert.Multiple(() =>
        {
            Assert.That(output["hooks"]!["createRuntime"]!.ToJsonString(), Is.EqualTo("""[{"path":"/a"}]"""));
            Assert.That(output["hooks"]!["prestart"]!.AsArray().Select(h => (string)h!["path"]!), Is.EqualTo(new[] { "/b", "/h" }));
            Assert.That(output["hooks"]!["poststop"]!.AsArray().Select(h => (string)h!["args"]![1]!), Is.EqualTo(new[] { "poststop" }));
            Assert.That(output["root"]!["path"]!.GetValue<string>(), Is.EqualTo("r"));
            Assert.That(((JsonObject)output).Select(p => p.Key), Is.EqualTo(new[] { "hooks", "root" }));
        });
    }

    [Test]
    public void A_hooks_section_that_is_null_is_replaced() =>
        Assert.That(JsonNode.Parse(Append("""{"hooks":null}"""))!["hooks"]!["prestart"]!.AsArray(), Has.Count.EqualTo(1));

    [TestCase("", "not valid JSON")]
    [TestCase("{\"root\":", "not valid JSON")]
    [TestCase("[1,2]", "a JSON Array, not an object")]
    [TestCase("null", "a JSON Null, not an object")]
    public void Documents_that_are_not_one_object_are_refused(string json, string message) =>
        Assert.That(() => ConfigHooks.Parse(Encoding.UTF8.GetBytes(json)),
            Throws.TypeOf<InvalidDataException>().With.Message.StartsWith(message));

    [TestCase("""{"hooks":[]}""", "'hooks' is a JSON Array")]
    [TestCase("""{"hooks":{"prestart":{}}}""", "'hooks.prestart' is a JSON Object")]
    [TestCase("""{"hooks":{},"hooks":{}}""", "the key 'hooks' twice")]
    [TestCase("""{"root":{},"root":{"path":"/x"}}""", "the key 'root' twice")]
    [TestCase("""{"hooks":{"poststop":[],"poststop":[]}}""", "'hooks.poststop' twice")]
    public void Ambiguous_or_misshapen_hooks_are_refused(string json, string message) =>
        Assert.That(() => Append(json), Throws.TypeOf<InvalidDataException>().With.Message.Contains(message));

    [Test]
    public void Deeply_nested_input_is_refused_not_overflowed() =>
        Assert.That(() => ConfigHooks.Parse(Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000))),
            Throws.TypeOf<InvalidDataException>());

    [Test]
    public void Annotations_and_hooks_already_named_are_found()
    {
        using var document = ConfigHooks.Parse(Encoding.UTF8.GetBytes(
            """{"annotations":{"org.ociftracehook.enabled":"true","n":1},"hooks":{"createRuntime":[{"path":"/h"}]}}"""));
        Assert.Multiple(() =>
        {
            Assert.That(ConfigHooks.Annotation(document.RootElement, "org.ociftracehook.enabled"), Is.EqualTo("true"));
            Assert.That(ConfigHooks.Annotation(document.RootElement, "n"), Is.Null);
            Assert.That(ConfigHooks.Annotation(document.RootElement, "missing"), Is.Null);
            Assert.That(ConfigHooks.NamesHook(document.RootElement, "/h"), Is.True);
            Assert.That(ConfigHooks.NamesHook(document.RootElement, "/other"), Is.False);
        });
    }
}
