namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Checks that a process the hook detached (poststop's gc, the stop-after watcher) started
/// clean: nothing of the runtime's or the container's reaches it, and nothing of it keeps theirs open.</summary>
internal static class DetachedProcess
{
    /// <summary>O_CLOEXEC in fdinfo's octal "flags:".</summary>
    private const int CloseOnExec = 0x80000; // 02000000

    /// <summary>Waits for <paramref name="pid"/> to have put its stdio on /dev/null (its first step),
    /// then asserts the rest of its clean start: no environment, cwd "/", umask 077, a session of its
    /// own, and no descriptor inherited. That last is told by O_CLOEXEC, not by path: every file the
    /// hook opens is close-on-exec, so a descriptor without it crossed the exec (and would cross the
    /// next one), while one with it is the process's own, say the lock of the instance it removes.</summary>
    public static void AssertStartedClean(int pid)
    {
        // fd 2 is the last it moves.
        Wait.Until(() => new FileInfo($"/proc/{pid}/fd/2").LinkTarget, target => target == "/dev/null", TimeSpan.FromSeconds(20),
            $"process {pid} to put its stdio on /dev/null");
        var environment = File.ReadAllBytes($"/proc/{pid}/environ");
        var cwd = new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget;
        var status = File.ReadAllLines($"/proc/{pid}/status");
        var session = StatFields(pid)[3];
        var stdio = new[] { 0, 1, 2 }.Select(fd => new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget).ToArray();
        var inherited = Descriptors(pid).Where(d => d.Fd > 2 && !d.CloseOnExec).Select(d => $"{d.Fd} -> {d.Target}").ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(environment, Is.Empty, "no environment");
            Assert.That(cwd, Is.EqualTo("/"));
            Assert.That(status, Does.Contain("Umask:\t0077"));
            Assert.That(session, Is.EqualTo(pid.ToString()), "a session of its own");
            Assert.That(stdio, Is.All.EqualTo("/dev/null"), "stdio on /dev/null");
            Assert.That(inherited, Is.Empty, "no descriptor but stdio without close-on-exec: none came from the runtime or the hook");
        });
    }

    /// <summary>The fields of /proc/PID/stat after the command: [0] is the state (stat's 3rd field),
    /// [3] the session, [16] the nice value.</summary>
    public static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>The process's descriptors, with their targets and whether each is close-on-exec;
    /// one closed while they are read is left out.</summary>
    private static List<(int Fd, string? Target, bool CloseOnExec)> Descriptors(int pid)
    {
        var found = new List<(int, string?, bool)>();
        foreach (var path in Directory.GetFiles($"/proc/{pid}/fd"))
        {
            var fd = int.Parse(Path.GetFileName(path), System.Globalization.CultureInfo.InvariantCulture);
            try
            {
                var target = new FileInfo(path).LinkTarget;
                var flags = File.ReadLines($"/proc/{pid}/fdinfo/{fd}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
                found.Add((fd, target, (Convert.ToInt32(flags["flags:".Length..].Trim(), 8) & CloseOnExec) != 0));
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or IOException)
            {
            }
        }
        return found;
    }
}
