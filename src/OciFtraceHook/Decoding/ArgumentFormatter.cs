using System.Globalization;
using System.Text;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Decoding;

/// <summary>Shows syscall arguments and results the way strace does, from syscall-args.tsv (which
/// kind each argument is) and flags.tsv (the names of flag bits and values). What no table knows
/// stays raw hex, never a guess.</summary>
internal sealed class ArgumentFormatter
{
    private const int AtFdCwd = -100;
    private const ulong O_CREAT = 0x40;
    private const ulong O_TMPFILE_BIT = 0x400000;
    private readonly FlagTables _flags;
    private readonly Dictionary<string, string[]> _kinds;

    private static readonly Lazy<Dictionary<string, string[]>> Kinds = new(() =>
        TableFile.Rows("syscall-args.tsv").ToDictionary(row => row[0], row => row[1..], StringComparer.Ordinal));

    public ArgumentFormatter(TraceArch arch)
    {
        _flags = FlagTables.For(arch);
        _kinds = Kinds.Value;
    }

    /// <summary>The result kind (fd, int, size, ptr, hex, pid, none) of an event; "hex" when unknown.</summary>
    public string ResultKind(string ev) => _kinds.TryGetValue(ev, out var kinds) ? kinds[0] : "hex";

    /// <summary>The arguments as strace shows them; an argument with a known string (6.19+'s own,
    /// or a path probe's) is shown as that string, quoted and escaped.</summary>
    public void AppendArgs(StringBuilder sb, string ev, ulong[] args, int count, string?[]? strings = null, int cutStrings = 0)
    {
        _kinds.TryGetValue(ev, out var kinds);
        ulong? openFlags = null;
        for (var i = 0; i < count; i++)
        {
            if (!Shown(kinds, args, i, ref openFlags, out var kind)) continue;
            if (i > 0) sb.Append(", ");
            if (strings is not null && i < strings.Length && strings[i] is { } text) QuotedString.Append(sb, text, (cutStrings & (1 << i)) != 0);
            else AppendValue(sb, kind, args[i]);
        }
    }

    /// <summary>The arguments one by one, as <see cref="AppendArgs"/> shows them (for exports).</summary>
    public List<string> ArgList(string ev, ulong[] args, int count, string?[]? strings = null, int cutStrings = 0)
    {
        _kinds.TryGetValue(ev, out var kinds);
        ulong? openFlags = null;
        var list = new List<string>(count);
        var sb = new StringBuilder(24);
        for (var i = 0; i < count; i++)
        {
            if (!Shown(kinds, args, i, ref openFlags, out var kind)) continue;
            if (strings is not null && i < strings.Length && strings[i] is { } text) QuotedString.Append(sb.Clear(), text, (cutStrings & (1 << i)) != 0);
            else AppendValue(sb.Clear(), kind, args[i]);
            list.Add(sb.ToString());
        }
        return list;
    }

    /// <summary>The kind of argument <paramref name="i"/>, and whether it is shown at all: like
    /// strace, open's mode is shown only when the flags create a file.</summary>
    private static bool Shown(string[]? kinds, ulong[] args, int i, ref ulong? openFlags, out string kind)
    {
        kind = kinds is not null && i + 1 < kinds.Length ? kinds[i + 1] : "hex";
        if (kind == "mode" && openFlags is { } flags && (flags & (O_CREAT | O_TMPFILE_BIT)) == 0) return false;
        if (kind == "open_flags") openFlags = args[i];
        return true;
    }

    public void AppendResult(StringBuilder sb, string ev, long value)
    {
        var kind = ResultKind(ev);
        if (value is >= -4095 and <= -1)
        {
            var errno = (int)-value;
            if (Errno.KernelInternal(errno) is { } restart)
            {
                // Interrupted: the call is restarted or fails with EINTR later, as strace shows it.
                sb.Append("? ").Append(restart.Name).Append(" (").Append(restart.Message).Append(')');
                return;
            }
            sb.Append("-1 ").Append(Errno.Name(errno)).Append(" (").Append(Errno.Message(errno)).Append(')');
            return;
        }
        switch (kind)
        {
            case "ptr":
            case "hex":
                AppendHex(sb, (ulong)value);
                break;
            case "mode":
                AppendMode(sb, (ulong)value);
                break;
            default:
                sb.Append(value.ToString(CultureInfo.InvariantCulture));
                break;
        }
    }

    public void AppendValue(StringBuilder sb, string kind, ulong value)
    {
        switch (kind)
        {
            case "fd":
            case "int":
                sb.Append(((int)(uint)value).ToString(CultureInfo.InvariantCulture));
                break;
            case "dirfd":
                if ((int)(uint)value == AtFdCwd) sb.Append("AT_FDCWD");
                else sb.Append(((int)(uint)value).ToString(CultureInfo.InvariantCulture));
                break;
            case "uint":
                sb.Append(((uint)value).ToString(CultureInfo.InvariantCulture));
                break;
            case "long":
                sb.Append(((long)value).ToString(CultureInfo.InvariantCulture));
                break;
            case "size":
                sb.Append(value.ToString(CultureInfo.InvariantCulture));
                break;
            case "ptr":
                if (value == 0) sb.Append("NULL");
                else AppendHex(sb, value);
                break;
            case "mode":
                AppendMode(sb, value);
                break;
            case "open_flags":
                AppendOpenFlags(sb, value);
                break;
            case "cloexec_flags":
                // No access mode in them: strace prints 0, not O_RDONLY (every shell redirect on arm64 is a dup3).
                if (value == 0) sb.Append('0');
                else AppendTable(sb, "open_flags", value);
                break;
            case "mmap_flags":
                AppendSplit(sb, value, 0xf, "mmap_type", "mmap_flags");
                break;
            case "socket_type":
                AppendSplit(sb, value, 0xf, "socket_type", "socket_type_flags");
                break;
            case "clone_flags":
                AppendCloneFlags(sb, value);
                break;
            case "signal":
                AppendSignal(sb, value);
                break;
            case "access_mode":
                if (value == 0) sb.Append("F_OK");
                else AppendTable(sb, "access_mode", value);
                break;
            case "mmap_prot":
                if (value == 0) sb.Append("PROT_NONE");
                else AppendTable(sb, "mmap_prot", value);
                break;
            case "futex_op":
                AppendFutexOp(sb, value);
                break;
            default:
                if (_flags.Get(kind) is not null) AppendTable(sb, kind, value);
                else AppendHex(sb, value);
                break;
        }
    }

    private void AppendOpenFlags(StringBuilder sb, ulong value)
    {
        AppendTable(sb, "open_access", value & 3);
        var rest = value & ~3UL;
        if (rest == 0) return;
        sb.Append('|');
        AppendTable(sb, "open_flags", rest);
    }

    private void AppendSplit(StringBuilder sb, ulong value, ulong typeMask, string typeTable, string flagTable)
    {
        AppendTable(sb, typeTable, value & typeMask);
        var rest = value & ~typeMask;
        if (rest == 0) return;
        sb.Append('|');
        AppendTable(sb, flagTable, rest);
    }

    private void AppendCloneFlags(StringBuilder sb, ulong value)
    {
        var flags = value & ~0xffUL;
        var exitSignal = value & 0xff;
        if (flags != 0) AppendTable(sb, "clone_flags", flags);
        if (exitSignal == 0)
        {
            if (flags == 0) sb.Append('0');
            return;
        }
        if (flags != 0) sb.Append('|');
        AppendSignal(sb, exitSignal);
    }

    private void AppendSignal(StringBuilder sb, ulong value)
    {
        if (value is >= 32 and <= 64) sb.Append("SIGRT_").Append((value - 32).ToString(CultureInfo.InvariantCulture));
        else AppendTable(sb, "signals", value);
    }

    private void AppendFutexOp(StringBuilder sb, ulong value)
    {
        var command = value & 0x7f;
        if (_flags.Get("futex_cmd")!.Entries.All(e => e.Value != command))
        {
            AppendHex(sb, value); // no name for the command: raw, never a made-up one
            return;
        }
        AppendTable(sb, "futex_cmd", command);
        if ((value & 0x80) != 0) sb.Append("_PRIVATE");
        if ((value & 0x100) != 0) sb.Append("|FUTEX_CLOCK_REALTIME");
        var rest = value & ~0x1ffUL;
        if (rest != 0)
        {
            sb.Append('|');
            AppendHex(sb, rest);
        }
    }

    /// <summary>A value table: the name or the number. A flag table: names joined by '|' (composite
    /// entries first), whatever bits no name covers as hex, "0" for none.</summary>
    private void AppendTable(StringBuilder sb, string tableName, ulong value)
    {
        var table = _flags.Get(tableName);
        if (table is null)
        {
            AppendHex(sb, value);
            return;
        }
        if (!table.IsFlags)
        {
            foreach (var (name, v) in table.Entries)
            {
                if (v == value)
                {
                    sb.Append(name);
                    return;
                }
            }
            sb.Append(value.ToString(CultureInfo.InvariantCulture));
            return;
        }
        if (value == 0)
        {
            sb.Append('0');
            return;
        }
        var rest = value;
        var first = true;
        foreach (var (name, v) in table.Entries)
        {
            if (v == 0 || (rest & v) != v) continue;
            if (!first) sb.Append('|');
            sb.Append(name);
            first = false;
            rest &= ~v;
        }
        if (rest != 0)
        {
            if (!first) sb.Append('|');
            AppendHex(sb, rest);
        }
    }

    private static void AppendHex(StringBuilder sb, ulong value)
    {
        if (value == 0)
        {
            sb.Append('0');
            return;
        }
        sb.Append("0x").Append(value.ToString("x", CultureInfo.InvariantCulture));
    }

    /// <summary>Octal with a leading 0 and at least three digits, like strace's %#03o: 000, 022, 0644.</summary>
    private static void AppendMode(StringBuilder sb, ulong value) =>
        sb.Append('0').Append(Convert.ToString((long)(value & 0xffff), 8).PadLeft(2, '0'));
}
