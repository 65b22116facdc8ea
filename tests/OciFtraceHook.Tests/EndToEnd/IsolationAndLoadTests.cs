using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: containers traced at the same time reading each other's events, and a busy
/// container filling its buffer without anyone knowing. Each sees only its own processes and
/// markers; a full buffer is counted and said.</summary>
[Category("EndToEnd")]
public partial class IsolationAndLoadTests : ManyBundleTests
{
    private const string Tracing = "/sys/kernel/tracing";

    [SetUp]
    public void Require() => HostRequirements.RequireRuncAndTraceFs();

    private protected override TimeSpan RemovalTimeout => TimeSpan.FromSeconds(60);

    private BusyboxBundle NewBundle(string name, string script)
    {
        var bundle = BusyboxBundle.Create(name).WithHook(HookBinary.Path).Script(script);
        return Track(bundle);
    }

    [Test]
    public void Two_containers_at_once_each_see_only_their_own_events_and_markers()
    {
        string Script(string token) =>
            $"echo MARK-{token} > {Tracing}/trace_marker; dd if=/dev/zero of=/dev/null bs=1 count=3000 2>/dev/null; " +
            $"sleep 0.5; echo MARK-{token}-end > {Tracing}/trace_marker; grep -o 'MARK-[A-Z]*' {Tracing}/trace | sort -u";
        var a = NewBundle("iso-a", Script("ALPHA"));
        var b = NewBundle("iso-b", Script("BRAVO"));
        var runs = new[] { Task.Run(() => Runc.Run(a)), Task.Run(() => Runc.Run(b)) };
        Task.WaitAll(runs);
        Assert.Multiple(() =>
        {
            Assert.That(runs[0].Result.ExitCode, Is.Zero, runs[0].Result.ToString());
            Assert.That(runs[1].Result.ExitCode, Is.Zero, runs[1].Result.ToString());
            Assert.That(runs[0].Result.Stdout, Is.EqualTo("MARK-ALPHA\n"), "A reads only its own marker");
            Assert.That(runs[1].Result.Stdout, Is.EqualTo("MARK-BRAVO\n"), "B reads only its own marker");
        });
        var pidsA = TraceLine.Parse(SavedTraceText.Read(a.SavedTraces().Single())).Select(l => l.Pid).ToHashSet();
        var pidsB = TraceLine.Parse(SavedTraceText.Read(b.SavedTraces().Single())).Select(l => l.Pid).ToHashSet();
        Assert.That(pidsA.Intersect(pidsB), Is.Empty, "no process appears in both traces");
    }

    [Test]
    public void Thirty_two_containers_in_parallel_each_get_their_own_complete_trace()
    {
        const int containers = 32, kbPerCpu = 2048;
        // Their buffers, sized by the host's CPUs, under caps of their own: the defaults follow the
        // host's memory (an eighth of it, half that per tenant), which a host of many CPUs and
        // little memory per CPU would not give 32 of them.
        var mb = containers * kbPerCpu / 1024 * RingBufferMemory.OnlineCpus();
        if (mb > RingBufferMemory.DefaultCap() / (1 << 20) * 2)
            Assert.Ignore($"{containers} containers' ring buffers, {mb} MiB, are more than a quarter of this host's memory");
        var caps = $"max-ring-buffer-mb = {mb}\nmax-ring-buffer-mb-per-tenant = {mb}\n";
        var bundles = Enumerable.Range(0, containers)
            .Select(i => NewBundle($"load-{i}", $"echo MARK-{i} > {Tracing}/trace_marker; dd if=/dev/zero of=/dev/null bs=1 count=2000 2>/dev/null")
                .HostConfig(caps).Annotate(HookSettings.BufferSizeKey, kbPerCpu.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .ToArray();
        var results = bundles.AsParallel().WithDegreeOfParallelism(containers).Select(b => Runc.Run(b)).ToArray();
        Assert.That(results.Select(r => r.ExitCode), Is.All.Zero, string.Join("\n", results.Where(r => r.ExitCode != 0)));

        long events = 0, lost = 0;
        for (var i = 0; i < containers; i++)
        {
            var text = SavedTraceText.Read(bundles[i].SavedTraces().Single());
            var lines = TraceLine.Parse(text);
            var marks = lines.Where(l => l.Event == "tracing_mark_write").Select(l => l.Body.Trim(' ', ':')).ToArray();
            Assert.That(marks, Is.EqualTo(new[] { $"MARK-{i}" }), $"container {i} has its own marker only");
            var pids = lines.Select(l => l.Pid).Distinct().Count();
            Assert.That(pids, Is.EqualTo(1 + TraceLine.ChildrenCreated(lines)), $"container {i}: only its own processes");
            Assert.That(lines.Count(l => l.Event == "sys_write" && l.IsExit), Is.GreaterThanOrEqualTo(2000), $"container {i}: every dd write");
            events += lines.Count;
            lost += SavedTraceText.LostEvents(bundles[i].SavedTraces().Single());
        }
        TestContext.Out.WriteLine($"load: {containers} containers in parallel, {events / containers} events per container on average, {lost} lost events");
        Assert.That(lost, Is.Zero, "a 2 MiB buffer holds each container's events");
    }

    [TestCase("true", "overrun")]
    [TestCase("false", "dropped")]
    public void A_full_buffer_is_counted_in_the_saved_trace(string overwrite, string how)
    {
        var bundle = NewBundle("full", "dd if=/dev/zero of=/dev/null bs=1 count=50000 2>/dev/null")
            .Annotate(HookSettings.BufferSizeKey, "16").Annotate(HookSettings.OverwriteKey, overwrite);
        var result = Runc.Run(bundle);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var lost = SavedTraceText.LostEvents(bundle.SavedTraces().Single());
        // 50000 one-byte reads and writes are 200000 events; a 16 KiB buffer per CPU holds a few hundred.
        Assert.That(lost, Is.GreaterThan(100_000), $"events {how} when the buffer was full");
    }

}
