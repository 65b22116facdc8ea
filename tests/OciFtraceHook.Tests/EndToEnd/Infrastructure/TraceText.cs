using System.Globalization;
using System.Text.RegularExpressions;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>One event line of ftrace's text output, read by the tests on their own (independent of
/// the product's decoder): "  cat-3365 [001] ..... 355.9: sys_openat(dfd: ...)".</summary>
internal sealed partial record TraceLine(string Comm, int Pid, string Event, string Body)
{
    [GeneratedRegex(@"^\s*(?<comm>.*?)-(?<pid>\d+)\s+(\(.*?\)\s+)?\[(?<cpu>\d+)\]\s+\S+\s+(?<ts>\d+\.\d+):\s+(?<event>[a-z0-9_]+)(?<body>.*)$")]
    private static partial Regex Pattern();

    public static List<TraceLine> Parse(string text) =>
        text.Split('\n').Select(l => Pattern().Match(l)).Where(m => m.Success)
            .Select(m => new TraceLine(m.Groups["comm"].Value, int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture),
                m.Groups["event"].Value, m.Groups["body"].Value))
            .ToList();

    public bool IsExit => Body.StartsWith(" -> ", StringComparison.Ordinal);

    /// <summary>The return value of an exit line ("sys_clone -> 0x1234").</summary>
    public long ReturnValue => long.Parse(Body[" -> 0x".Length..], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>How many processes the traced calls made: successful fork/clone returns. The
    /// returned numbers are the container's own PIDs, not the host PIDs in the event lines.</summary>
    public static int ChildrenCreated(IReadOnlyList<TraceLine> lines) =>
        lines.Count(l => l.IsExit && l.Event is "sys_clone" or "sys_clone3" or "sys_fork" or "sys_vfork"
                         && l.Body.StartsWith(" -> 0x", StringComparison.Ordinal) && l.ReturnValue is > 0 and < int.MaxValue);
}
