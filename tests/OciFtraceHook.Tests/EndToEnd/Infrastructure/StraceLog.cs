using System.Text.RegularExpressions;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>One call of strace-like text (strace -f's own, or the hook's `show`, which prints the
/// same form after a time column): its process, name, error name (null on success) and arguments
/// as written. A call split into "&lt;unfinished ...&gt;" and "&lt;... NAME resumed&gt;" is joined.</summary>
internal sealed record StraceCall(int Pid, string Name, string? Errno, IReadOnlyList<string> Args)
{
    public override string ToString() => $"{Pid} {Name}({string.Join(", ", Args)}) {Errno}";
}

internal static partial class StraceLog
{
    [GeneratedRegex(@"^(?:\d+\.\d+ )?(?<pid>\d+)\s+(?<rest>.*)$")]
    private static partial Regex Line();

    [GeneratedRegex(@"^(?<name>[a-z0-9_]+)\((?<args>.*?)(?: <unfinished \.\.\.>|\) += (?<ret>.*))$")]
    private static partial Regex Call();

    [GeneratedRegex(@"^<\.\.\. (?<name>[a-z0-9_]+) resumed>.*?\) += (?<ret>.*)$")]
    private static partial Regex Resumed();

    /// <summary>The calls, in order of their start.</summary>
    public static List<StraceCall> Parse(IEnumerable<string> lines)
    {
        var calls = new List<StraceCall>();
        var open = new Dictionary<int, int>();
        foreach (var text in lines)
        {
            var line = Line().Match(text);
            if (!line.Success) continue;
            var pid = int.Parse(line.Groups["pid"].Value, System.Globalization.CultureInfo.InvariantCulture);
            var rest = line.Groups["rest"].Value;
            if (Resumed().Match(rest) is { Success: true } resumed)
            {
                if (open.Remove(pid, out var index))
                    calls[index] = calls[index] with { Errno = ErrnoOf(resumed.Groups["ret"].Value) };
                continue;
            }
            if (Call().Match(rest) is not { Success: true } call) continue;
            var finished = call.Groups["ret"].Success;
            calls.Add(new StraceCall(pid, call.Groups["name"].Value, finished ? ErrnoOf(call.Groups["ret"].Value) : null,
                SplitArgs(call.Groups["args"].Value)));
            if (!finished) open[pid] = calls.Count - 1;
        }
        return calls;
    }

    /// <summary>"-1 ENOENT (No such file or directory)" -> ENOENT; "? ERESTARTSYS (...)" -> ERESTARTSYS.</summary>
    private static string? ErrnoOf(string ret)
    {
        var parts = ret.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length >= 2 && parts[0] is "-1" or "?" && parts[1].StartsWith('E') ? parts[1] : null;
    }

    /// <summary>Top-level arguments: commas inside quotes, brackets and braces do not split.</summary>
    public static List<string> SplitArgs(string args)
    {
        var list = new List<string>();
        var depth = 0;
        var quoted = false;
        var start = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var c = args[i];
            if (quoted)
            {
                if (c == '\\') i++;
                else if (c == '"') quoted = false;
                continue;
            }
            switch (c)
            {
                case '"': quoted = true; break;
                case '[' or '{' or '(': depth++; break;
                case ']' or '}' or ')': depth--; break;
                case ',' when depth == 0:
                    list.Add(args[start..i].Trim());
                    start = i + 1;
                    break;
            }
        }
        if (args.Length > start) list.Add(args[start..].Trim());
        return list;
    }
}
