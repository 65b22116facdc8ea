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
        // It saves the trace at once, then waits until no container has started for a second
        // before removing the instance. A start marked 3 s ahead keeps it waiting while it is looked
        // at, however slow this host is to get there.
        File.SetLastWriteTimeUtc(ContainerStarts.DefaultMarker, DateTime.UtcNow.AddSeconds(3));
        var pid = Wait.Until(DetachedGcs, pids => pids.Count > 0, TimeSpan.FromSeconds(5), "poststop to start a detached gc").First();
        DetachedProcess.AssertStartedClean(pid);
        var nice = int.Parse(DetachedProcess.StatFields(pid)[16], System.Globalization.CultureInfo.InvariantCulture);
        Assert.That(nice, Is.GreaterThanOrEqualTo(DetachedHook.BackgroundNice), "background work: the runtime comes first");
        Assert.That(Bundle.SavedTraces(), Has.Length.EqualTo(1), "its trace saved");
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
        // A saver ends within milliseconds of its save; the gc that waits stays until a second after
        // the last start, here one marked 3 s ahead. So one is seen alone: the others ended while it
        // waited. (No tighter time limit: a loaded host stretches the savers' ends, not the rule.)
        File.SetLastWriteTimeUtc(ContainerStarts.DefaultMarker, DateTime.UtcNow.AddSeconds(3));
        Assert.That(Bundle.SavedTraces(), Has.Length.EqualTo(ids.Length), "every trace saved");
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
}
