using System.Globalization;
using System.Text.RegularExpressions;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tests.EndToEnd.SavedTraceFormat;

/// <summary>The hook saves a real runc container's ring buffer as a trace.dat that trace-cmd
/// opens unchanged, and `trace-cmd report` lists exactly the events our decoder (the one `show`
/// uses) reads from it: same order, task, CPU, time, event, arguments and return values.</summary>
[Category("EndToEnd")]
public partial class TraceDatInteropTests : OneBundleTests
{
    private const string Tracing = "/sys/kernel/tracing";

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        if (HostRequirements.Which("trace-cmd") is null) Assert.Ignore("end-to-end test skipped: trace-cmd is not installed");
        Bundle = BusyboxBundle.Create("tracedat").WithHook(HookBinary.Path);
    }

    [Test]
    public void Trace_cmd_report_lists_the_same_events_as_our_decoder()
    {
        var result = Runc.Run(Bundle.Script($"cat /etc/probe.txt; cat /nonexistent 2>/dev/null; echo MARK-dat > {Tracing}/trace_marker; ls / >/dev/null"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var saved = Bundle.SavedTraces().Single();
        using (var file = File.OpenRead(saved))
        {
            Span<byte> start = stackalloc byte[10];
            file.ReadExactly(start);
            Assert.That(TraceDatFormat.HasMagic(start), Is.True, "saved as a trace.dat");
        }

        var report = ProcessRunner.Run("trace-cmd", ["report", "-i", saved]);
        Assert.That(report.ExitCode, Is.Zero, report.ToString());
        Assert.That(report.Stderr, Is.Empty, "trace-cmd opens the file without a warning");
        var theirs = report.Stdout.Split('\n').Select(ReportEvent.Parse).OfType<ReportEvent>().ToList();
        var ours = OurEvents(saved);
        Assert.That(ours, Has.Count.GreaterThan(20), "the container's calls were recorded");
        Assert.That(theirs.Select(e => e.ToString()), Is.EqualTo(ours.Select(e => e.ToString())),
            "event by event, trace-cmd and our decoder agree");
        Assert.That(ours.Any(e => e.Event == "print" && e.Body.Contains("MARK-dat")), Is.True);
        Assert.That(ours.Any(e => e.Event == "sys_exit_openat" && e.Body == "0xfffffffffffffffe"), Is.True, "the failed open's ENOENT");

        var show = HookProcess.Run("", "show", "--file", saved);
        Assert.That(show.ExitCode, Is.Zero, show.ToString());
        Assert.That(show.Stdout, Does.Contain("= -1 ENOENT (No such file or directory)"));
        Assert.That(show.Stdout, Does.Contain("--- trace_marker: MARK-dat ---"));
        var summary = HookProcess.Run("", "show", "--file", saved, "--summary");
        Assert.That(summary.Stdout, Does.Contain("lost events: 0"), summary.Stdout);
        var calls = ours.Count(e => e.Event.StartsWith("sys_enter_", StringComparison.Ordinal));
        var shownCalls = show.Stdout.Split('\n').Count(l => Regex.IsMatch(l, @"^\d+\.\d+ \d+ [a-z_0-9]+\(") && !l.Contains("resumed>"));
        Assert.That(shownCalls, Is.EqualTo(calls), "show lists one line per recorded call:\n" + show.Stdout);
    }

    /// <summary>Our decoder's events, printed the way trace-cmd report prints them (hex values).</summary>
    private static List<ReportEvent> OurEvents(string path)
    {
        using var stream = File.OpenRead(path);
        var file = TraceDatFile.Open(stream, path);
        var events = new List<ReportEvent>();
        new TraceDatEvents(file, path).Read(e =>
        {
            if (e.Kind == TraceEventKind.LostEvents) return;
            var name = e.Kind switch
            {
                TraceEventKind.SyscallEnter => "sys_enter_" + e.Name,
                TraceEventKind.SyscallExit => "sys_exit_" + e.Name,
                TraceEventKind.Marker => "print",
                _ => e.Name,
            };
            var body = e.Kind switch
            {
                TraceEventKind.SyscallEnter => string.Join(",", e.Args.Take(e.ArgCount).Select(a => "0x" + a.ToString("x", CultureInfo.InvariantCulture))),
                TraceEventKind.SyscallExit => "0x" + e.Return.ToString("x", CultureInfo.InvariantCulture),
                TraceEventKind.Marker => e.Text,
                _ => "",
            };
            events.Add(new ReportEvent(e.Tid, e.Cpu, e.TimeNs / 1000, name, body));
        });
        return events;
    }

    /// <summary>One line of `trace-cmd report`: "  cat-1234  [001]   518.935039: sys_enter_openat: dfd: 0xffffff9c, ...".</summary>
    private sealed partial record ReportEvent(int Pid, int Cpu, long Micros, string Event, string Body)
    {
        [GeneratedRegex(@"^\s*(?<comm>.*?)-(?<pid>\d+)\s+\[(?<cpu>\d+)\]\s+(?<s>\d+)\.(?<us>\d{6}):\s+(?<event>[a-z0-9_]+):\s*(?<body>.*)$")]
        private static partial Regex Line();

        [GeneratedRegex(@"[a-z_0-9]+: (0x)?(?<v>[0-9a-f]+)")]
        private static partial Regex Value();

        public static ReportEvent? Parse(string line)
        {
            var m = Line().Match(line);
            if (!m.Success) return null;
            var evt = m.Groups["event"].Value;
            var raw = m.Groups["body"].Value.Trim();
            var body = evt.StartsWith("sys_enter_", StringComparison.Ordinal)
                ? string.Join(",", Value().Matches(raw).Select(v => "0x" + ulong.Parse(v.Groups["v"].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture).ToString("x", CultureInfo.InvariantCulture)))
                : evt.StartsWith("sys_exit_", StringComparison.Ordinal) ? raw
                : evt == "print" ? raw[(raw.IndexOf(": ", StringComparison.Ordinal) + 2)..].Trim()
                : "";
            return new ReportEvent(int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups["cpu"].Value, CultureInfo.InvariantCulture),
                long.Parse(m.Groups["s"].Value, CultureInfo.InvariantCulture) * 1_000_000 + long.Parse(m.Groups["us"].Value, CultureInfo.InvariantCulture),
                evt, body);
        }
    }
}
