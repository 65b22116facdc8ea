using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.Oci;

public class RuntimeCommandLineTests
{
    private static RuntimeCommandLine Parse(string line) =>
        RuntimeCommandLine.Parse(line.Length == 0 ? [] : line.Split(' '));

    [Test]
    public void Containerd_create_with_global_flags_finds_verb_bundle_and_id()
    {
        var parsed = Parse("--root /run/containerd/runc/moby --log /run/x/log.json --log-format json create --bundle /run/b --pid-file /run/b/init.pid --console-socket /tmp/s.sock abc123");
        Assert.That(parsed, Is.EqualTo(new RuntimeCommandLine { Verb = "create", Bundle = "/run/b", ContainerId = "abc123" }));
        Assert.That(parsed.CreatesContainer, Is.True);
    }

    [TestCase("--root=/r --systemd-cgroup --debug run -b=/b -d id", "run", "/b", "id")]
    [TestCase("-root /r -log-format text create -bundle /b id", "create", "/b", "id")]
    [TestCase("create id --bundle /b --no-pivot", "create", "/b", "id")]
    [TestCase("run --detach --keep --no-new-keyring --preserve-fds 2 id", "run", null, "id")]
    [TestCase("--criu /usr/sbin/criu --rootless false create -- -odd-id", "create", null, "-odd-id")]
    public void Flags_in_every_form_runc_accepts(string line, string verb, string? bundle, string id) =>
        Assert.That(Parse(line), Is.EqualTo(new RuntimeCommandLine { Verb = verb, Bundle = bundle, ContainerId = id }));

    [Test]
    public void A_value_that_looks_like_a_flag_or_verb_is_a_value()
    {
        // --pid-file takes "-b" as its value; --root takes "create" as its.
        Assert.That(Parse("--root create run --pid-file -b id"),
            Is.EqualTo(new RuntimeCommandLine { Verb = "run", Bundle = null, ContainerId = "id" }));
    }

    [TestCase("state abc", "state")]
    [TestCase("--root /r kill abc KILL", "kill")]
    [TestCase("exec --process /p.json --detach abc", "exec")]
    [TestCase("delete --force abc", "delete")]
    [TestCase("features", "features")]
    [TestCase("--version", null)]
    [TestCase("", null)]
    [TestCase("frobnicate --bundle /b x", "frobnicate")]
    public void Other_verbs_are_only_named(string line, string? verb)
    {
        var parsed = Parse(line);
        Assert.That(parsed.Verb, Is.EqualTo(verb));
        Assert.That(parsed.CreatesContainer, Is.False);
        Assert.That(parsed.Understood, Is.True);
    }

    [TestCase("--unknown create --bundle /b id", null, "unknown global flag '--unknown'", true, "/b")]
    [TestCase("create --new-flag /b id", "create", "unknown create flag '--new-flag'", true, null)]
    [TestCase("create id --bundle", "create", "flag '--bundle' has no value", true, null)]
    [TestCase("--root", null, "global flag '--root' has no value", false, null)]
    [TestCase("--future state -b=/b id", null, "unknown global flag '--future'", false, "/b")]
    public void What_it_cannot_tell_for_sure_is_not_understood(string line, string? verb, string problem, bool mayCreate, string? guessedBundle)
    {
        var parsed = Parse(line);
        Assert.That(parsed, Is.EqualTo(new RuntimeCommandLine
        {
            Verb = verb, Understood = false, Problem = problem, MayCreate = mayCreate, GuessedBundle = guessedBundle,
        }));
        Assert.That(parsed.CreatesContainer, Is.False);
    }
}
