using System.Text;
using System.Text.RegularExpressions;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>A saved trace as ftrace's text lines, for tests that read events on their own: a text
/// trace as it is, a trace.dat through `trace-cmd report` (independent of the product's decoder),
/// its lines put in ftrace's form ("cat-12 [001] ..... 5.000001: sys_openat(dfd: 0x..)").</summary>
internal static partial class SavedTraceText
{
    public static bool IsTraceDat(string path)
    {
        using var file = File.OpenRead(path);
        var start = new byte[10];
        return file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false) == start.Length && TraceDatFormat.HasMagic(start);
    }

    public static string Read(string path)
    {
        if (!IsTraceDat(path)) return File.ReadAllText(path);
        if (HostRequirements.Which("trace-cmd") is null) Assert.Ignore("end-to-end test skipped: trace-cmd is not installed (it reads saved trace.dat files)");
        var report = ProcessRunner.Run("trace-cmd", ["report", "-i", path]);
        Assert.That(report.ExitCode, Is.Zero, report.ToString());
        var text = new StringBuilder();
        foreach (var line in report.Stdout.Split('\n'))
        {
            var m = ReportLine().Match(line);
            if (!m.Success) continue;
            var (evt, body) = (m.Groups["event"].Value, m.Groups["body"].Value.Trim());
            var ftrace = evt.StartsWith("sys_enter_", StringComparison.Ordinal) ? $"sys_{evt[10..]}({body})"
                : evt.StartsWith("sys_exit_", StringComparison.Ordinal) ? $"sys_{evt[9..]} -> {body}"
                : evt == "print" ? $"tracing_mark_write: {body[(body.IndexOf(": ", StringComparison.Ordinal) + 2)..]}"
                : $"{evt}: {body}";
            text.Append(m.Groups["task"].Value).Append(" [").Append(m.Groups["cpu"].Value).Append("] ..... ")
                .Append(m.Groups["ts"].Value).Append(": ").Append(ftrace).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The hook's own option in a trace.dat (container, name, arch, lost events).</summary>
    public static TraceDatMetadata? Metadata(string path)
    {
        using var stream = File.OpenRead(path);
        return OciFtraceHook.TraceDat.TraceDatFile.Open(stream, path).Metadata;
    }

    /// <summary>The container a saved trace names (the hook's option, or a text trace's first line).</summary>
    public static string ContainerId(string path) =>
        IsTraceDat(path) ? Metadata(path)?.ContainerId ?? "" : File.ReadLines(path).First()["# oci-ftrace-hook: container ".Length..];

    /// <summary>Events the buffer lost, as the saved trace says.</summary>
    public static long LostEvents(string path)
    {
        if (IsTraceDat(path)) return Metadata(path)!.LostEvents;
        var line = File.ReadLines(path).First(l => l.StartsWith("# oci-ftrace-hook: lost events: ", StringComparison.Ordinal));
        return long.Parse(line["# oci-ftrace-hook: lost events: ".Length..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^\s*(?<task>.*?-\d+)\s+\[(?<cpu>\d+)\]\s+(?<ts>\d+\.\d+):\s+(?<event>[a-z0-9_]+):\s*(?<body>.*)$")]
    private static partial Regex ReportLine();
}
