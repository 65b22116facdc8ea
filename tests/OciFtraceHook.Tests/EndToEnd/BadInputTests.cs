using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: malformed or lying input on the hook's stdin or in the bundle. Every case is one
/// clear error line on stderr, a non-zero exit, and nothing left behind.</summary>
[Category("EndToEnd")]
public class BadInputTests
{
    private BusyboxBundle _bundle = null!;
    private string[] _instancesBefore = [];

    [SetUp]
    public void CreateBundle()
    {
        HostRequirements.RequireRuncAndTraceFs();
        _bundle = BusyboxBundle.Create("bad-input");
        _bundle.Save();
        _instancesBefore = TestHost.HookInstances();
    }

    [TearDown]
    public void Cleanup() => _bundle?.Dispose();

    private void AssertRefused(ProcessResult result, string message)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
            var lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(lines, Has.Length.EqualTo(1), "one line on stderr:\n" + result.Stderr);
            Assert.That(result.Stderr, Does.StartWith("oci-ftrace-hook: error: ").And.Contain(message));
            Assert.That(TestHost.HookInstances(), Is.EquivalentTo(_instancesBefore), "no instance made");
            Assert.That(TestHost.HookRecords(), Is.Empty, "no record left");
            Assert.That(_bundle.SavedTraces(), Is.Empty, "no file written");
        });
    }

    [TestCase("", "no OCI state on stdin")]
    [TestCase("   \n", "no OCI state on stdin")]
    [TestCase("not json", "the OCI state on stdin is not valid")]
    [TestCase("[1, 2]", "the OCI state on stdin is not valid")]
    [TestCase("null", "is JSON null")]
    [TestCase("{\"id\": \"c1\", \"pid\": \"12\"}", "the OCI state on stdin is not valid")]
    [TestCase("{\"id\": \"c1\", \"pid\": 12.5}", "the OCI state on stdin is not valid")]
    [TestCase("{\"id\": 7}", "the OCI state on stdin is not valid")]
    public void Malformed_state(string stdin, string message) => AssertRefused(HookProcess.Run(stdin, "prestart"), message);

    [Test]
    public void Oversized_state() =>
        AssertRefused(HookProcess.Run("{\"id\": \"" + new string('a', 2 << 20) + "\"}", "prestart"), "larger than 1024 KiB");

    [TestCase(null, "has no pid")]
    [TestCase(0, "cannot be a container's init")]
    [TestCase(1, "the state's pid is 1: the hook runs inside the container's namespaces")]
    [TestCase(-4, "cannot be a container's init")]
    [TestCase(int.MaxValue, "does not exist")]
    public void Missing_or_impossible_pid(int? pid, string message) =>
        AssertRefused(HookProcess.Run(HookProcess.State("c-pid", pid, _bundle.Dir), "prestart"), message);

    [Test]
    public void Pid_of_a_process_that_exited()
    {
        using var exited = System.Diagnostics.Process.Start(HostRequirements.BusyboxPath, "true");
        exited.WaitForExit();
        AssertRefused(HookProcess.Run(HookProcess.State("c-exited", exited.Id, _bundle.Dir), "prestart"), "does not exist");
    }

    [Test]
    public void Pid_of_a_host_process_that_is_not_a_container_init()
    {
        using var sleeper = System.Diagnostics.Process.Start(HostRequirements.BusyboxPath, "sleep 30");
        try
        {
            AssertRefused(HookProcess.Run(HookProcess.State("c-host", sleeper.Id, _bundle.Dir), "prestart"), "is not a container's init");
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [TestCase("a/b", "is not valid")]
    [TestCase("../../etc", "is not valid")]
    [TestCase("a..b", "is not valid")]
    [TestCase("a\u0000b", "contains a NUL character")]
    [TestCase("", "has no container id")]
    public void Hostile_container_id(string id, string message) =>
        AssertRefused(HookProcess.Run(HookProcess.State(id, 12345, _bundle.Dir), "prestart"), message);

    [Test]
    public void Container_id_of_4_KiB() =>
        AssertRefused(HookProcess.Run(HookProcess.State(new string('x', 4096), 12345, _bundle.Dir), "prestart"), "at most 1024");

    [Test]
    public void Bundle_missing() =>
        AssertRefused(HookProcess.Run(HookProcess.State("c-nob", 12345, "/nonexistent/bundle"), "prestart"), "cannot read /nonexistent/bundle/config.json");

    [Test]
    public void Bundle_not_absolute() =>
        AssertRefused(HookProcess.Run(HookProcess.State("c-rel", 12345, "relative/bundle"), "prestart"), "is not an absolute path");

    [Test]
    public void Config_json_missing()
    {
        File.Delete(Path.Combine(_bundle.Dir, "config.json"));
        AssertRefused(HookProcess.Run(HookProcess.State("c-noconf", 12345, _bundle.Dir), "prestart"), "config.json");
    }

    [Test]
    public void Config_json_invalid()
    {
        File.WriteAllText(Path.Combine(_bundle.Dir, "config.json"), "{\"root\": {\"path\": 5}}");
        AssertRefused(HookProcess.Run(HookProcess.State("c-badconf", 12345, _bundle.Dir), "prestart"), "config.json is not valid");
    }

    [Test]
    public void Unknown_stage_word_is_a_usage_error()
    {
        var result = HookProcess.Run(HookProcess.State("c-usage", 12345, _bundle.Dir), "prestrat");
        Assert.That(result.ExitCode, Is.EqualTo(2));
        Assert.That(result.Stderr, Does.StartWith("oci-ftrace-hook: error: unknown arguments 'prestrat'"));
    }
}
