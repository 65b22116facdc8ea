using System.Text.RegularExpressions;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>A container whose program starts threads and forks: the saved trace says which process
/// each thread belongs to (from the task_newtask events the hook records, not the kernel's
/// record-tgid table), as `show` prints it.</summary>
[Category("EndToEnd")]
public class ThreadGroupTests : OneBundleTests
{
    // Two threads ask getpriority about pid 424242 (ESRCH), a forked child about 434343, and the
    // main thread about 454545 once the others are done: each call names who made it.
    private const string Program = """
        #include <pthread.h>
        #include <sys/resource.h>
        #include <sys/wait.h>
        #include <unistd.h>
        static void *worker(void *arg) { (void)arg; getpriority(PRIO_PROCESS, 424242); return 0; }
        int main(void) {
            pthread_t t[2];
            for (int i = 0; i < 2; i++) pthread_create(&t[i], 0, worker, 0);
            for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
            pid_t child = fork();
            if (child == 0) { getpriority(PRIO_PROCESS, 434343); _exit(0); }
            waitpid(child, 0, 0);
            getpriority(PRIO_PROCESS, 454545);
            return 0;
        }
        """;

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        if (HostRequirements.Which("gcc") is null || !File.Exists("/usr/lib/x86_64-linux-gnu/libc.a"))
            Assert.Ignore("end-to-end test skipped: gcc and a static libc (apt-get install gcc libc6-dev) build its threaded program");
        Bundle = BusyboxBundle.Create("threads").WithHook(HookBinary.Path);
        var source = Path.Combine(Bundle.Dir, "threads.c");
        File.WriteAllText(source, Program);
        var build = ProcessRunner.Run("gcc", ["-static", "-pthread", "-O1", "-o", Path.Combine(Bundle.Rootfs, "bin", "threads"), source]);
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
    }

    [Test]
    public void Threads_are_shown_as_their_process_and_a_fork_as_its_own()
    {
        Bundle.Script("/bin/threads");
        var run = Runc.Run(Bundle, "oft-threads-" + Guid.NewGuid().ToString("N")[..12]);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var saved = Bundle.SavedTraces().Single();
        var show = HookProcess.Succeeds("show", "--file", saved).Stdout;

        // "PID/TID call" for a thread that is not its process's first, "PID call" for one that is.
        // show prints getpriority's arguments as numbers, the pid in hex.
        static string Call(int who) => $"getpriority(0, 0x{who:x})";
        (string Pid, string? Tid) Caller(int who)
        {
            var line = show.Split('\n').Single(l => l.Contains(Call(who), StringComparison.Ordinal));
            var m = Regex.Match(line, @"^[\d.]+ (\d+)(?:/(\d+))? ");
            Assert.That(m.Success, Is.True, line);
            return (m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null);
        }
        var workers = show.Split('\n').Where(l => l.Contains(Call(424242), StringComparison.Ordinal)).ToList();
        var main = Caller(454545);
        var forked = Caller(434343);
        Assert.Multiple(() =>
        {
            Assert.That(workers, Has.Count.EqualTo(2), show);
            Assert.That(main.Tid, Is.Null, "the main thread is its process: " + show);
            foreach (var line in workers)
                Assert.That(line, Does.Match($@"^[\d.]+ {main.Pid}/(?!{main.Pid} )\d+ getpriority"), "a worker thread, shown as the main thread's process");
            Assert.That(forked.Pid, Is.Not.EqualTo(main.Pid), "the forked child is a process of its own");
            Assert.That(forked.Tid, Is.Null);
            Assert.That(SavedTraceText.Metadata(saved)?.Tgids, Is.Empty, "the kernel's tgid table was neither needed nor read");
        });
    }
}
