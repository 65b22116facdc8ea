using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threads and processes told apart on the kernels people run (Debian's 6.1, 6.12 and 7.3,
/// and arm64's 6.1 under qemu; tests/kernels/scenarios/threads.sh): their task_newtask events (the
/// clone flags are an unsigned long there, a u64 on newer kernels) decode as on this host.</summary>
[TestFixture("6.1")]
[TestFixture("6.12")]
[TestFixture("7.3")]
[TestFixture("6.1-arm64")]
[Category("GuestKernel")]
[NonParallelizable]
public class GuestThreadGroupTests(string kernel)
{
    private string _results = null!;

    [SetUp]
    public void Results() => _results = GuestKernel.NewResultsDir($"threads-{kernel}");

    [TearDown]
    public void RemoveResults() => GuestKernel.RemoveResults(_results);

    [Test]
    public void Threads_are_shown_as_their_process_and_a_fork_as_its_own()
    {
        Directory.CreateDirectory(_results);
        ThreadedProgram.Build(Path.Combine(_results, "threads-bin"), arm64: GuestKernel.IsArm64(kernel));
        var guest = GuestKernel.RunScenario(kernel, "threads.sh", _results);
        Assert.That(guest.ExitCode, Is.Zero, $"the {kernel} guest's scenario failed:\n{guest}");
        var part = Path.Combine(_results, "threads");
        Assert.That(File.ReadAllText(Path.Combine(part, "exit")).Trim(), Is.EqualTo("0"), File.ReadAllText(Path.Combine(part, "stderr")));
        ThreadedProgram.AssertThreadGroups(HookProcess.Succeeds("show", "--file", GuestKernel.SavedTrace(part)).Stdout);
    }
}
