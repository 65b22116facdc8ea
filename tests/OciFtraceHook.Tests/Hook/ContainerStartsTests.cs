using System.Diagnostics;
using OciFtraceHook.Hook;

namespace OciFtraceHook.Tests.HookTests;

public class ContainerStartsTests
{
    private string _dir = null!;

    [SetUp]
    public void Create() => _dir = Path.Combine(Path.GetTempPath(), "starts-" + Guid.NewGuid().ToString("N")[..8]);

    [TearDown]
    public void Remove()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Test]
    public void With_no_start_ever_there_is_no_wait()
    {
        var watch = Stopwatch.StartNew();
        new ContainerStarts(Path.Combine(_dir, "last-start")).WaitForQuiet(TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "far below the 5 s a wait would take, on any CPU");
    }

    [Test]
    public void After_a_start_the_wait_lasts_until_it_is_quiet_and_never_past_the_limit()
    {
        var starts = new ContainerStarts(Path.Combine(_dir, "last-start"));
        // Timed from before the mark: a stall between the two cannot shorten what is measured.
        var watch = Stopwatch.StartNew();
        starts.Mark();
        Assert.That(File.Exists(Path.Combine(_dir, "last-start")), Is.True, "the first mark makes the file");
        starts.WaitForQuiet(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(5));
        Assert.That(watch.Elapsed, Is.GreaterThan(TimeSpan.FromMilliseconds(200)).And.LessThan(TimeSpan.FromSeconds(4)),
            "quiet after 300 ms: well before the 5 s limit, on any CPU");

        starts.Mark();
        watch.Restart();
        starts.WaitForQuiet(TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(300));
        Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "the 300 ms limit ends the wait, long before the 30 s of quiet");
    }
}
