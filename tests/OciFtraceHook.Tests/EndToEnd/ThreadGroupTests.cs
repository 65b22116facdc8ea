using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>A container whose program starts threads and forks: the saved trace says which process
/// each thread belongs to (from the task_newtask events the hook records, not the kernel's
/// record-tgid table), as `show` prints it. GuestThreadGroupTests does the same on the kernels of
/// the matrix.</summary>
[Category("EndToEnd")]
public class ThreadGroupTests : OneBundleTests
{
    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("threads").WithHook(HookBinary.Path);
        ThreadedProgram.Build(Path.Combine(Bundle.Rootfs, "bin", "threads"));
    }

    [Test]
    public void Threads_are_shown_as_their_process_and_a_fork_as_its_own()
    {
        Bundle.Script("/bin/threads");
        var run = Runc.Run(Bundle, "oft-threads-" + Guid.NewGuid().ToString("N")[..12]);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var saved = Bundle.SavedTraces().Single();
        ThreadedProgram.AssertThreadGroups(HookProcess.Succeeds("show", "--file", saved).Stdout);
        Assert.That(SavedTraceText.Metadata(saved)?.Tgids, Is.Empty, "the kernel's tgid table was neither needed nor read");
    }
}
