using OciFtraceHook.Hook;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: the background gc that poststop leaves behind carrying the runtime's (or a
/// container's) environment, descriptors or terminal, or dying of EPIPE once its parent is gone. It
/// starts clean: empty environment, cwd /, umask 077, its own session, stdio on /dev/null.</summary>
[Category("EndToEnd")]
public class DetachedHookTests : OneBundleTests
{
    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("detached").WithHook(HookBinary.Path).Script("true");
    }

    [Test]
    public void The_detached_gc_starts_clean()
    {
        // With no other gc waiting (an earlier test's), this container's gc is the one that waits.
        NoDetachedGcLeft();
        var result = Runc.Run(Bundle);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        // It saves the trace at once, then waits for a quiet second before removing the instance:
        // there is time to look at it, holding nothing of its own open then.
        var pid = FindDetachedGc();
        Assert.That(pid, Is.Not.Null, "poststop started a detached gc");
        Assert.That(Bundle.SavedTraces(), Has.Length.EqualTo(1), "saved before the wait");
        var status = File.ReadAllLines($"/proc/{pid}/status");
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var session = fields[3];
        var nice = int.Parse(fields[16], System.Globalization.CultureInfo.InvariantCulture); // stat's 19th field
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllBytes($"/proc/{pid}/environ"), Is.Empty, "no environment");
            Assert.That(new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget, Is.EqualTo("/"));
            Assert.That(status, Does.Contain("Umask:\t0077"));
            Assert.That(session, Is.EqualTo(pid.ToString()), "a session of its own");
            Assert.That(nice, Is.GreaterThanOrEqualTo(DetachedHook.BackgroundNice), "background work: the runtime comes first");
            foreach (var fd in new[] { 0, 1, 2 })
                Assert.That(new FileInfo($"/proc/{pid}/fd/{fd}").LinkTarget, Is.EqualTo("/dev/null"), $"fd {fd} on /dev/null");
            var inherited = Directory.GetFiles($"/proc/{pid}/fd").Select(f => new FileInfo(f).LinkTarget)
                .Where(t => t is not null && (t.StartsWith(Bundle.Dir, StringComparison.Ordinal) || t.StartsWith("/run/oci-ftrace-hook", StringComparison.Ordinal)))
                // Its own: the lock of the one gc that waits for quiet starts, held while it waits.
                .Where(t => t != "/run/oci-ftrace-hook/removals.lock")
                .ToArray();
            Assert.That(inherited, Is.Empty, "no descriptor of the hook's or the runtime's files");
        });
        // Its parent is long gone and its stdio went nowhere: it still finishes the removal.
    }

    [Test]
    public void Containers_ended_back_to_back_leave_one_waiting_gc_which_removes_every_instance()
    {
        // Each poststop starts a gc that saves its trace; only one of them stays to wait for the
        // quiet second, however many containers end meanwhile (a tenant's loop of short containers).
        NoDetachedGcLeft();
        var ids = Enumerable.Range(0, 8).Select(i => $"oft-burst-{Guid.NewGuid():N}"[..24] + $"-{i}").ToArray();
        foreach (var id in ids)
        {
            var result = Runc.Run(Bundle, id);
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
        }
        Assert.That(Bundle.SavedTraces(), Has.Length.EqualTo(ids.Length), "every trace saved");
        // A saver ends within milliseconds of its save; the gc that waits stays until a second after
        // the last start. So one is seen alone: the others ended while it waited. (No time limit
        // tighter than that second: a loaded host stretches the savers' ends, not the rule.)
        var alone = Wait.Until(DetachedGcs, pids => pids.Count <= 1, TimeSpan.FromSeconds(20), "the gcs that did not get the wait to end");
        Assert.That(alone, Has.Count.EqualTo(1), "one gc still waits for the quiet second once the others ended");
        Wait.Until(() => ids.Count(id => TestHost.InstancesOf(id).Any()), left => left == 0, TimeSpan.FromSeconds(60),
            "the waiting gc to remove every instance");
        NoDetachedGcLeft();
    }

    private static void NoDetachedGcLeft() =>
        Wait.Until(DetachedGcs, pids => pids.Count == 0, TimeSpan.FromSeconds(60), "the waiting gc to end");

    private static List<int> DetachedGcs()
    {
        var pids = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (args.Contains("gc") && args.Contains(DetachedHook.DetachedFlag) && args[0] == HookBinary.Path) pids.Add(pid);
            }
            catch (IOException)
            {
            }
        }
        return pids;
    }

    private static int? FindDetachedGc()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            foreach (var dir in Directory.GetDirectories("/proc"))
            {
                if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
                try
                {
                    var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                    if (args.Contains("gc") && args.Contains(DetachedHook.DetachedFlag) && args[0] == HookBinary.Path) return pid;
                }
                catch (IOException)
                {
                }
            }
            Thread.Sleep(20);
        }
        return null;
    }
}
