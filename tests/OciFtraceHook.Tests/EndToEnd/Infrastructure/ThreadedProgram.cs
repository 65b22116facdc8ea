using System.Text.RegularExpressions;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>A static program that starts threads and forks, for a container on the host or in a
/// guest: two threads ask getpriority about pid 424242 (ESRCH), a forked child about 434343, and the
/// main thread about 454545 once the others are done, so each call names who made it. Built here
/// by gcc (or Debian's aarch64 cross gcc for an arm64 guest).</summary>
internal static class ThreadedProgram
{
    private const string Source = """
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

    /// <summary>Builds it at <paramref name="output"/>, or ignores the test saying what is missing.</summary>
    public static void Build(string output, bool arm64 = false)
    {
        var (gcc, libc, package) = arm64
            ? ("aarch64-linux-gnu-gcc", "/usr/aarch64-linux-gnu/lib/libc.a", "gcc-aarch64-linux-gnu libc6-dev-arm64-cross")
            : ("gcc", "/usr/lib/x86_64-linux-gnu/libc.a", "gcc libc6-dev");
        if (HostRequirements.Which(gcc) is null || !File.Exists(libc))
            Assert.Ignore($"end-to-end test skipped: {gcc} and a static libc (apt-get install {package}) build its threaded program");
        var source = output + ".c";
        File.WriteAllText(source, Source);
        var build = ProcessRunner.Run(gcc, ["-static", "-pthread", "-O1", "-o", output, source]);
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
    }

    /// <summary>What `show` printed of the program's run says: "PID/TID call" for a thread that is
    /// not its process's first, "PID call" for one that is. Both workers are the main thread's
    /// process; the forked child and the main thread are processes of their own.</summary>
    public static void AssertThreadGroups(string show)
    {
        // The call's line: whole, or its first half when another thread's call came in between
        // ("<unfinished ...>", then "<... getpriority resumed>", as strace -f splits them).
        static bool Call(string line, int who) => Regex.IsMatch(line, $@"getpriority\(PRIO_PROCESS, {who}(\)| <unfinished)");
        (string Pid, string? Tid) Caller(int who)
        {
            var line = show.Split('\n').Single(l => Call(l, who));
            var m = Regex.Match(line, @"^[\d.]+ (\d+)(?:/(\d+))? ");
            Assert.That(m.Success, Is.True, line);
            return (m.Groups[1].Value, m.Groups[2].Success ? m.Groups[2].Value : null);
        }
        var workers = show.Split('\n').Where(l => Call(l, 424242)).ToList();
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
        });
    }
}
