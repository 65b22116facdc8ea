using System.Globalization;
using System.Text;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Decoding;

/// <summary>One strace-like text line per record:
/// <c>518.935039 15842 openat(AT_FDCWD, 0x7ffd..., O_RDONLY) = -1 ENOENT (No such file or directory)</c>.
/// The second column is the PID, or PID/TID for a thread other than the process's main one.</summary>
internal sealed class CallFormatter(TraceArch arch, bool showDurations)
{
    private readonly ArgumentFormatter _args = new(arch);
    private readonly SyscallTable _syscalls = SyscallTable.For(arch);
    private readonly StringBuilder _sb = new(256);

    public string NameOf(string ev) => _syscalls.NameOf(ev);

    public ArgumentFormatter Arguments => _args;

    public string Format(SyscallRecord r)
    {
        var sb = _sb.Clear();
        if (r.Kind == RecordKind.LostEvents)
        {
            return sb.Append("--- LOST ").Append(r.Lost.ToString(CultureInfo.InvariantCulture))
                .Append(" EVENTS on CPU ").Append(r.Cpu.ToString(CultureInfo.InvariantCulture))
                .Append(": the trace is partial here ---").ToString();
        }
        // A resumed line happens when the call returns.
        AppendTime(sb, r.Kind == RecordKind.Resumed ? r.EndNs : r.StartNs);
        sb.Append(' ');
        AppendTask(sb, r);
        sb.Append(' ');
        var name = _syscalls.NameOf(r.Event);
        switch (r.Kind)
        {
            case RecordKind.Marker:
                sb.Append("--- trace_marker: ").Append(r.Text).Append(" ---");
                break;
            case RecordKind.Call:
                sb.Append(name).Append('(');
                _args.AppendArgs(sb, r.Event, r.Args, r.ArgCount, r.Strings, r.CutStrings);
                sb.Append(") = ");
                _args.AppendResult(sb, r.Event, r.Return);
                AppendDuration(sb, r);
                break;
            case RecordKind.Unfinished:
                sb.Append(name).Append('(');
                _args.AppendArgs(sb, r.Event, r.Args, r.ArgCount, r.Strings, r.CutStrings);
                sb.Append(" <unfinished ...>");
                break;
            case RecordKind.Resumed:
                sb.Append("<... ").Append(name).Append(" resumed>) = ");
                _args.AppendResult(sb, r.Event, r.Return);
                AppendDuration(sb, r);
                break;
            case RecordKind.NoReturn:
                if (r.Shown) sb.Append("<... ").Append(name).Append(" resumed>) = ?");
                else
                {
                    sb.Append(name).Append('(');
                    _args.AppendArgs(sb, r.Event, r.Args, r.ArgCount, r.Strings, r.CutStrings);
                    sb.Append(") = ?");
                }
                break;
        }
        return sb.ToString();
    }

    internal static void AppendTime(StringBuilder sb, long ns)
    {
        sb.Append((ns / 1_000_000_000).ToString(CultureInfo.InvariantCulture)).Append('.')
            .Append((ns % 1_000_000_000 / 1000).ToString("D6", CultureInfo.InvariantCulture));
    }

    private static void AppendTask(StringBuilder sb, SyscallRecord r)
    {
        sb.Append(r.Tgid.ToString(CultureInfo.InvariantCulture));
        if (r.Tid != r.Tgid) sb.Append('/').Append(r.Tid.ToString(CultureInfo.InvariantCulture));
    }

    private void AppendDuration(StringBuilder sb, SyscallRecord r)
    {
        if (!showDurations || !r.HasArgs) return;
        var ns = r.EndNs - r.StartNs;
        sb.Append(" <").Append((ns / 1_000_000_000).ToString(CultureInfo.InvariantCulture)).Append('.')
            .Append((ns % 1_000_000_000 / 1000).ToString("D6", CultureInfo.InvariantCulture)).Append('>');
    }
}
