using OciFtraceHook.Decoding;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tests.EndToEnd.SavedTraceFormat;

/// <summary>One real container's buffer read both ways: its text `trace` while it waits at the end,
/// then the trace.dat saved from the same pages after it ends. The text's events are the first events
/// of the trace.dat, field by field. With OCI_FTRACE_RECORD_SAMPLES=DIR the pair is kept there
/// (that is how Decoding/Samples/busybox-raw.* were recorded).</summary>
[Category("EndToEnd")]
public class DecoderParityTests : OneBundleTests
{
    private const string Tracing = "/sys/kernel/tracing";

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("parity").WithHook(HookBinary.Path);
    }

    [Test]
    public void The_text_and_the_trace_dat_of_one_buffer_hold_the_same_events()
    {
        Bundle.Script($"cat /etc/probe.txt; cat /nonexistent 2>/dev/null; ls -l / >/dev/null; echo DONE-parity > {Tracing}/trace_marker; " +
                      "read line < /dev/null; exec sleep 3");
        using var container = CreatedContainer.Create(Bundle);
        container.Start();
        // Reading `trace` pauses the recording (pause-on-trace): it is read only once the workload is
        // done and the init has become its final sleep, or a read that a loaded machine stretches
        // over the whole workload leaves nothing of it in the buffer.
        container.WaitUntilRunning("sleep", TimeSpan.FromSeconds(20));
        var trace = Path.Combine(InstanceDir(container.Id), "trace");
        var text = Wait.Until(() => File.ReadAllText(trace), t => t.Contains("DONE-parity", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), "the container's marker in its trace", every: TimeSpan.FromMilliseconds(250));
        container.WaitUntilStopped(TimeSpan.FromSeconds(20));
        container.Delete();
        var saved = Bundle.SavedTraces().Single();

        var fromText = TextEvents(text);
        var fromDat = DatEvents(saved);
        Assert.That(fromText, Has.Count.GreaterThan(50));
        Assert.That(fromDat.Take(fromText.Count), Is.EqualTo(fromText), "the text's events open the trace.dat, field by field");

        if (Environment.GetEnvironmentVariable("OCI_FTRACE_RECORD_SAMPLES") is { Length: > 0 } dir)
        {
            File.WriteAllText(Path.Combine(dir, "busybox-raw.trace"), text);
            File.Copy(saved, Path.Combine(dir, "busybox-raw.dat"), overwrite: true);
        }
    }

    internal static List<string> TextEvents(string text)
    {
        var parser = new TraceLineParser();
        var e = new TraceEvent();
        var events = new List<string>();
        foreach (var line in text.Split('\n'))
        {
            if (parser.TryParse(line, e)) events.Add(Describe(e));
        }
        return events;
    }

    internal static List<string> DatEvents(string path)
    {
        using var stream = File.OpenRead(path);
        var events = new List<string>();
        new TraceDatEvents(TraceDatFile.Open(stream, path), path).Read(e => events.Add(Describe(e)));
        return events;
    }

    private static string Describe(TraceEvent e) => e.Kind switch
    {
        TraceEventKind.SyscallEnter => $"{e.TimeNs} [{e.Cpu}] {e.Comm}-{e.Tid}/{e.Tgid} {e.Name}({string.Join(", ", e.Args.Take(e.ArgCount))})",
        TraceEventKind.SyscallExit => $"{e.TimeNs} [{e.Cpu}] {e.Comm}-{e.Tid}/{e.Tgid} {e.Name} -> {e.Return}",
        TraceEventKind.Marker => $"{e.TimeNs} [{e.Cpu}] {e.Comm}-{e.Tid}/{e.Tgid} marker {e.Text}",
        TraceEventKind.LostEvents => $"lost {e.Lost} on {e.Cpu}",
        _ => $"{e.TimeNs} [{e.Cpu}] {e.Comm}-{e.Tid} {e.Name}",
    };

    /// <summary>The container's instance: its name carries the id (and the start's init).</summary>
    private static string InstanceDir(string id) =>
        Directory.GetDirectories(Path.Combine(Tracing, "instances"), $"*{id}*").Single();
}
