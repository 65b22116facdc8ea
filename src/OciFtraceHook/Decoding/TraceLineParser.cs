using System.Globalization;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Decoding;

/// <summary>Parses lines of ftrace's `trace` / `trace_pipe` text output:
/// <c>"  cat-3365    (   3360) [001] .....   518.935039: sys_openat(dfd: 0xffffff9c, ...)"</c>
/// (the TGID column only with options/record-tgid), <c>"... sys_openat -> 0xfffffffffffffffe"</c>,
/// <c>"... tracing_mark_write: text"</c> and <c>"CPU:1 [LOST 120 EVENTS]"</c>. Span-based, so a
/// line costs no allocation beyond a new command name or marker text.</summary>
internal sealed class TraceLineParser
{
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _nameLookup;
    private readonly Dictionary<int, string> _comms = new();
    private readonly ThreadGroups _groups = new();

    public TraceLineParser() => _nameLookup = _names.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Fills <paramref name="e"/>; false for comments, blank and unreadable lines.</summary>
    public bool TryParse(ReadOnlySpan<char> line, TraceEvent e)
    {
        if (line.IsEmpty || line[0] == '#') return false;
        if (line.StartsWith("CPU:")) return TryParseLost(line, e);

        var bracket = FindCpuBracket(line);
        if (bracket < 0) return false;
        var head = line[..bracket].TrimEnd();
        // Optional "(  TGID)" column.
        var tgid = -1;
        if (head.Length > 0 && head[^1] == ')')
        {
            var open = head.LastIndexOf('(');
            if (open < 0) return false;
            var inner = head[(open + 1)..^1].Trim();
            if (!int.TryParse(inner, NumberStyles.None, CultureInfo.InvariantCulture, out tgid)) tgid = -1;
            head = head[..open].TrimEnd();
        }
        var dash = head.LastIndexOf('-');
        if (dash < 0 || !int.TryParse(head[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var tid)) return false;
        e.Tid = tid;
        e.Tgid = tgid > 0 ? tgid : _groups.Of(tid);
        e.Comm = Comm(tid, head[..dash].TrimStart());

        var close = line[bracket..].IndexOf(']') + bracket;
        if (!int.TryParse(line[(bracket + 1)..close], NumberStyles.None, CultureInfo.InvariantCulture, out e.Cpu)) return false;
        var rest = line[(close + 1)..].TrimStart();
        // Flags field ("....." / "d..1.") then the timestamp.
        var space = rest.IndexOf(' ');
        if (space < 0) return false;
        rest = rest[space..].TrimStart();
        var colon = rest.IndexOf(": ");
        if (colon < 0 || !TryParseTimestamp(rest[..colon], out e.TimeNs)) return false;
        return ParseEvent(rest[(colon + 2)..], e);
    }

    private bool ParseEvent(ReadOnlySpan<char> text, TraceEvent e)
    {
        if (text.StartsWith("sys_"))
        {
            var body = text[4..];
            var paren = body.IndexOf('(');
            var arrow = body.IndexOf(" -> ");
            if (arrow >= 0 && (paren < 0 || arrow < paren))
            {
                e.Kind = TraceEventKind.SyscallExit;
                e.Name = Intern(body[..arrow]);
                e.Return = (long)ParseNumber(body[(arrow + 4)..].Trim());
                return true;
            }
            if (paren >= 0)
            {
                e.Kind = TraceEventKind.SyscallEnter;
                e.Name = Intern(body[..paren]);
                var end = body.LastIndexOf(')');
                ParseArgs(end > paren ? body[(paren + 1)..end] : body[(paren + 1)..], e);
                return true;
            }
        }
        if (text.StartsWith("tracing_mark_write: "))
        {
            e.Kind = TraceEventKind.Marker;
            e.Name = "tracing_mark_write";
            e.Text = text["tracing_mark_write: ".Length..].TrimEnd().ToString();
            return true;
        }
        if (TryParseKernelPath(text, e)) return true;
        if (TryParsePathProbe(text, e)) return true;
        if (TryParseNewTask(text, e)) return true;
        e.Kind = TraceEventKind.Other;
        var nameEnd = text.IndexOf(':');
        e.Name = Intern(nameEnd < 0 ? text : text[..nameEnd]);
        e.Text = text.ToString();
        return true;
    }

    /// <summary>How this trace prints arguments: set from a saved trace's kernel release, else
    /// told from the first enter line whose values read differently in the formats.</summary>
    public TraceTextFormat Format { get; set; }

    /// <summary>Whether the user strings and bytes 6.19+ prints after a value are data. Not when
    /// the instance copied no user memory (syscall_user_buf_size 0, where every string prints as
    /// <c>""</c>): a saved trace's header then says its paths came from elsewhere.</summary>
    public bool KernelStrings { get; set; } = true;

    /// <summary>For the flag names 6.19+ prints in openat's line; the host's when not set.</summary>
    public TraceArch? Arch { get; set; }

    /// <summary>"dfd: 0xffffff9c, filename: 0x7ffd..., flags: 0x80000, mode: 0" (6.18),
    /// "dfd: ffffff9c, filename: 7ffd..., flags: 80000, mode: 0" (before 6.18), and 6.19+'s user
    /// data after a value: a quoted string (kept), a byte list "(68:69)" (skipped).</summary>
    private void ParseArgs(ReadOnlySpan<char> args, TraceEvent e)
    {
        e.ArgCount = 0;
        e.CutStrings = 0;
        if (Format == TraceTextFormat.Unknown) Format = TraceTextFormatDetection.FromArguments(args);
        while (!args.IsEmpty && e.ArgCount < TraceEvent.MaxArgs)
        {
            var colon = args.IndexOf(": ");
            if (colon < 0) break;
            args = args[(colon + 2)..];
            var end = 0;
            while (end < args.Length && args[end] != ',' && args[end] != ' ') end++;
            var index = e.ArgCount++;
            e.Args[index] = ParseValue(args[..end]);
            e.Strings[index] = null;
            args = args[end..];
            if (args.StartsWith(" ("))
            {
                // A buffer's bytes: exact, where the string after them has '.' for the unprintable.
                args = ReadBytes(args[1..], out var bytes, out var cut);
                // "(, ...)": no byte was copied (syscall_user_buf_size 0), the address stays.
                if (KernelStrings && !(cut && bytes.Length == 0))
                {
                    e.Strings[index] = bytes;
                    if (cut) e.CutStrings |= 1 << index;
                }
                if (args.StartsWith(" \"")) args = args[1..][(Math.Max(0, ClosingQuote(args[1..])) + 1)..];
                if (args.StartsWith("...")) args = args[3..];
            }
            else if (args.StartsWith(" \""))
            {
                var quoted = args[1..];
                var close = ClosingQuote(quoted);
                var text = quoted[1..(close < 0 ? quoted.Length : close)];
                args = close < 0 ? [] : quoted[(close + 1)..];
                // A string cut at syscall_user_buf_size ends in "..." inside its quotes (a buffer's
                // text has them after): a path of its own ending in "..." reads as cut too.
                var cut = text.EndsWith("...");
                if (cut) text = text[..^3];
                if (args.StartsWith("..."))
                {
                    cut = true;
                    args = args[3..];
                }
                if (KernelStrings)
                {
                    e.Strings[index] = text.ToString();
                    if (cut) e.CutStrings |= 1 << index;
                }
            }
            var comma = args.IndexOf(", ");
            if (comma < 0) break;
            args = args[(comma + 2)..];
        }
    }

    /// <summary>"openat: (syscalls.sys_enter_openat) a1=\"/etc/passwd\"" (a path probe on the
    /// syscall event, or on its entry function: "(__x64_sys_openat+0x4/0xa0)"; aN is argument N) or "... a1=(fault)" (the page was not resident). The kernel
    /// prints the string unescaped: it ends at the quote before " aN=" or the end of the line.</summary>
    private bool TryParsePathProbe(ReadOnlySpan<char> text, TraceEvent e)
    {
        // "NAME: (syscalls.sys_enter_NAME) " (eprobe) or "NAME: (__x64_sys_NAME+0x4/0xa0) " (kprobe).
        var colon = text.IndexOf(": (");
        if (colon <= 0) return false;
        var name = text[..colon];
        var rest = text[(colon + 3)..];
        var close = rest.IndexOf(") a");
        if (close < 0) return false;
        var place = rest[..close];
        if (place.StartsWith("syscalls.sys_enter_"))
        {
            if (!place["syscalls.sys_enter_".Length..].SequenceEqual(name)) return false;
        }
        else
        {
            var at = place.IndexOf("_sys_");
            if (at < 0 || !place[(at + 5)..].StartsWith(name)) return false;
            var after = place[(at + 5 + name.Length)..];
            if (!after.IsEmpty && after[0] != '+') return false;
        }
        rest = rest[(close + 2)..];
        e.Kind = TraceEventKind.PathProbe;
        e.Name = Intern(name);
        e.ArgCount = 0;
        e.CutStrings = 0;
        Array.Clear(e.Strings);
        while (rest.Length > 3 && rest[0] == 'a')
        {
            var equals = rest.IndexOf('=');
            if (equals < 2 || !int.TryParse(rest[1..equals], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                || index >= TraceEvent.MaxArgs) break;
            rest = rest[(equals + 1)..];
            string value;
            if (rest.StartsWith("\""))
            {
                var end = Math.Min(ProbeStringEnd(rest), rest.Length);
                value = rest[1..end].ToString();
                rest = end + 1 < rest.Length ? rest[(end + 1)..].TrimStart(' ') : [];
            }
            else
            {
                var space = rest.IndexOf(' ');
                value = (space < 0 ? rest : rest[..space]).ToString();
                rest = space < 0 ? [] : rest[(space + 1)..];
            }
            e.Strings[index] = value;
            e.ArgCount = Math.Max(e.ArgCount, index + 1);
        }
        return true;
    }

    /// <summary><c>"task_newtask: pid=1234 comm=sh clone_flags=3d0f00 oom_score_adj=0"</c>. The comm
    /// is the container's to choose: the flags are the last "clone_flags=" of the line.</summary>
    private bool TryParseNewTask(ReadOnlySpan<char> text, TraceEvent e)
    {
        const string Head = "task_newtask: pid=";
        if (!text.StartsWith(Head)) return false;
        var rest = text[Head.Length..];
        var pidEnd = rest.IndexOf(' ');
        var flagsAt = rest.LastIndexOf(" clone_flags=");
        if (pidEnd < 0 || flagsAt < pidEnd || !int.TryParse(rest[..pidEnd], NumberStyles.None, CultureInfo.InvariantCulture, out var child)) return false;
        var flags = rest[(flagsAt + " clone_flags=".Length)..];
        var flagsEnd = flags.IndexOf(' ');
        if (!ulong.TryParse(flagsEnd < 0 ? flags : flags[..flagsEnd], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var cloneFlags)) return false;
        e.Kind = TraceEventKind.NewTask;
        e.Name = "task_newtask";
        e.Args[0] = (ulong)child;
        e.Args[1] = cloneFlags;
        e.ArgCount = 2;
        _groups.Made(e.Tgid, child, cloneFlags);
        return true;
    }

    /// <summary>"kcopy_getname: (do_sys_openat2+0x77/0xe0 &lt;- getname) ptr=0xffff88800436f000
    /// name=\"/etc/passwd\"": a path as the kernel copied it (see PathProbes.KernelCopyFunctions);
    /// "name=(fault)" when getname returned an error.</summary>
    private bool TryParseKernelPath(ReadOnlySpan<char> text, TraceEvent e)
    {
        if (!text.StartsWith(Tracing.PathProbes.KernelCopyPrefix)) return false;
        var colon = text.IndexOf(": (");
        if (colon <= 0) return false;
        var rest = text[(colon + 3)..];
        var close = rest.IndexOf(") ptr=");
        if (close < 0 || rest[..close].IndexOf(" <- ") < 0) return false;
        rest = rest[(close + 6)..];
        var space = rest.IndexOf(" name=");
        if (space < 0) return false;
        e.Kind = TraceEventKind.KernelPath;
        e.Name = Intern(text[..colon]);
        e.Args[0] = ParseNumber(rest[..space]);
        e.ArgCount = 1;
        e.CutStrings = 0;
        Array.Clear(e.Strings);
        var value = rest[(space + 6)..];
        // The kernel prints the string unescaped: it runs to the line's last quote.
        e.Strings[0] = value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1].ToString() : null;
        return true;
    }

    private static int ProbeStringEnd(ReadOnlySpan<char> text)
    {
        // Another string follows: the first quote followed by " aN=".
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] != '"' || !text[(i + 1)..].StartsWith(" a")) continue;
            var digits = text[(i + 3)..];
            var n = 0;
            while (n < digits.Length && char.IsAsciiDigit(digits[n])) n++;
            if (n > 0 && n < digits.Length && digits[n] == '=') return i;
        }
        // The last string: its quote ends the line.
        var last = text.LastIndexOf('"');
        return last > 0 ? last : text.Length;
    }

    private ulong ParseValue(ReadOnlySpan<char> text)
    {
        if (text.StartsWith("0x")) return ParseHex(text[2..]);
        if (Format == TraceTextFormat.BareHex) return ParseHex(text);
        if (text.StartsWith("O_")) return ParseOpenFlags(text);
        // 6.19+ prints openat's mode in octal with a leading 0 ("0666"); values from 6.18 on that
        // lack "0x" are below 10, or decimal (6.19+'s openat dfd and filename).
        if (text.Length > 1 && text[0] == '0') return ParseOctal(text);
        return ParseNumber(text);
    }

    private static ulong ParseHex(ReadOnlySpan<char> text) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex) ? hex : 0;

    private static ulong ParseOctal(ReadOnlySpan<char> text)
    {
        ulong value = 0;
        foreach (var c in text)
        {
            if (c is < '0' or > '7') return 0;
            value = value * 8 + (ulong)(c - '0');
        }
        return value;
    }

    /// <summary>"O_RDONLY|O_CLOEXEC": the open flags 6.19+ names in openat's line, back to bits.</summary>
    private ulong ParseOpenFlags(ReadOnlySpan<char> text)
    {
        var tables = FlagTables.For(Arch ?? TraceArchNames.Host);
        ulong value = 0;
        foreach (var range in text.Split('|'))
        {
            var name = text[range];
            value |= Lookup(tables.Get("open_access"), name) ?? Lookup(tables.Get("open_flags"), name) ?? 0;
        }
        return value;

        static ulong? Lookup(FlagTables.Table? table, ReadOnlySpan<char> name)
        {
            if (table is null) return null;
            foreach (var (n, v) in table.Entries)
            {
                if (name.SequenceEqual(n)) return v;
            }
            return null;
        }
    }

    /// <summary>"(68:69:0a, ...)": the bytes 6.19+ shows of a buffer (", ..." when cut at
    /// syscall_user_buf_size), as text; returns what follows the list.</summary>
    private static ReadOnlySpan<char> ReadBytes(ReadOnlySpan<char> text, out string bytes, out bool cut)
    {
        var close = text.IndexOf(')');
        var list = close < 0 ? text[1..] : text[1..close];
        cut = list.EndsWith(", ...");
        if (cut) list = list[..^5];
        var buffer = new byte[(list.Length + 1) / 3];
        var n = 0;
        foreach (var range in list.Split(':'))
        {
            if (n < buffer.Length && byte.TryParse(list[range], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b)) buffer[n++] = b;
        }
        bytes = System.Text.Encoding.UTF8.GetString(buffer, 0, n);
        return close < 0 ? [] : text[(close + 1)..];
    }

    /// <summary>Where a quoted string the kernel printed without escaping its quotes closes: it
    /// ends at the first quote followed by the end of the arguments, or by ", NAME: ", or by
    /// "..." (cut) and then one of those. A string holding such a sequence itself is cut there:
    /// only its own line's later arguments can be misread by that.</summary>
    private static int ClosingQuote(ReadOnlySpan<char> text)
    {
        for (var i = 1; i < text.Length; i++)
        {
            if (text[i] != '"') continue;
            var after = text[(i + 1)..];
            if (after.StartsWith("...")) after = after[3..];
            if (after.IsEmpty || StartsWithArgName(after)) return i;
        }
        return -1;
    }

    private static bool StartsWithArgName(ReadOnlySpan<char> text)
    {
        if (!text.StartsWith(", ")) return false;
        var i = 2;
        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
        return i > 2 && text[i..].StartsWith(": ");
    }

    internal static ulong ParseNumber(ReadOnlySpan<char> text)
    {
        if (text.StartsWith("0x") && ulong.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)) return hex;
        if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var dec)) return dec;
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var signed)) return (ulong)signed;
        return 0;
    }

    /// <summary>"518.935039" (µs) or "518.935039123" (ns) to nanoseconds.</summary>
    private static bool TryParseTimestamp(ReadOnlySpan<char> text, out long ns)
    {
        ns = 0;
        var dot = text.IndexOf('.');
        if (dot < 0 || !long.TryParse(text[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)) return false;
        var fraction = text[(dot + 1)..];
        if (fraction.Length is 0 or > 9 || !long.TryParse(fraction, NumberStyles.None, CultureInfo.InvariantCulture, out var frac)) return false;
        for (var i = fraction.Length; i < 9; i++) frac *= 10;
        ns = seconds * 1_000_000_000 + frac;
        return true;
    }

    /// <summary>"CPU:1 [LOST 120 EVENTS]": the reader missed events the writer overwrote.</summary>
    private static bool TryParseLost(ReadOnlySpan<char> line, TraceEvent e)
    {
        var lost = line.IndexOf("[LOST ");
        if (lost < 0) return false;
        var numbers = line[(lost + 6)..];
        var space = numbers.IndexOf(' ');
        if (space < 0 || !long.TryParse(numbers[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var count)) return false;
        var cpuText = line[4..line.IndexOf(' ')];
        e.Kind = TraceEventKind.LostEvents;
        e.Cpu = int.TryParse(cpuText, NumberStyles.None, CultureInfo.InvariantCulture, out var cpu) ? cpu : -1;
        e.Lost = count;
        e.Tid = e.Tgid = 0;
        e.Name = "";
        return true;
    }

    /// <summary>The "[NNN]" CPU column: the first " [" followed by digits and "]".</summary>
    private static int FindCpuBracket(ReadOnlySpan<char> line)
    {
        var from = 0;
        while (true)
        {
            var at = line[from..].IndexOf(" [");
            if (at < 0) return -1;
            at += from + 1;
            var i = at + 1;
            while (i < line.Length && char.IsAsciiDigit(line[i])) i++;
            if (i > at + 1 && i < line.Length && line[i] == ']') return at;
            from = at + 1;
        }
    }

    private string Intern(ReadOnlySpan<char> name)
    {
        if (_nameLookup.TryGetValue(name, out var known)) return known;
        var text = name.ToString();
        _names[text] = text;
        return text;
    }

    /// <summary>Command names change only at exec: one string per task until then.</summary>
    private string Comm(int tid, ReadOnlySpan<char> comm)
    {
        if (_comms.TryGetValue(tid, out var known) && comm.SequenceEqual(known)) return known;
        var text = comm.ToString();
        _comms[tid] = text;
        return text;
    }
}
