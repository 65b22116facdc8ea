using System.Globalization;

namespace OciFtraceHook.Decoding;

/// <summary>A table like `strace -c`: per syscall the calls, errors, and the time from enter to
/// exit (total and per call), sorted by time; then the lost events and the span of time covered.</summary>
internal sealed class CallSummary
{
    internal sealed class Row
    {
        public long Calls;
        public long Errors;
        public long TotalNs;
    }

    public Dictionary<string, Row> Rows { get; } = new(StringComparer.Ordinal);
    public long LostEvents { get; private set; }
    public long FirstNs { get; private set; } = long.MaxValue;
    public long LastNs { get; private set; } = long.MinValue;

    public void Add(SyscallRecord r)
    {
        if (r.Kind == RecordKind.LostEvents)
        {
            LostEvents += r.Lost;
            return;
        }
        if (r.StartNs > 0) FirstNs = Math.Min(FirstNs, r.StartNs);
        LastNs = Math.Max(LastNs, Math.Max(r.StartNs, r.EndNs));
        // A call is counted once, where it ends (or at the end of the trace when it never returns,
        // or where its lost exit should have been: the summary never splits interleaved calls, so an
        // unfinished record here is a call whose exit was lost).
        if (r.Kind is not (RecordKind.Call or RecordKind.Resumed or RecordKind.NoReturn or RecordKind.Unfinished)) return;
        // A new task's own return from fork/clone (0, no enter) is the same call as its parent's.
        if (r is { Kind: RecordKind.Resumed, HasArgs: false, Return: 0 } && r.Event is "clone" or "clone3" or "fork" or "vfork") return;
        if (!Rows.TryGetValue(r.Event, out var row)) Rows[r.Event] = row = new Row();
        row.Calls++;
        if (r.IsError) row.Errors++;
        row.TotalNs += r.DurationNs;
    }

    public void Write(TextWriter output, Func<string, string> nameOf, long lostFromHeader)
    {
        var total = Rows.Values.Sum(r => r.TotalNs);
        output.WriteLine("% time     seconds  usecs/call     calls    errors syscall");
        output.WriteLine("------ ----------- ----------- --------- --------- ----------------");
        foreach (var (ev, row) in Rows.OrderByDescending(kv => kv.Value.TotalNs).ThenByDescending(kv => kv.Value.Calls).ThenBy(kv => kv.Key, StringComparer.Ordinal))
            WriteRow(output, total == 0 ? 0 : 100.0 * row.TotalNs / total, row, nameOf(ev));
        output.WriteLine("------ ----------- ----------- --------- --------- ----------------");
        WriteRow(output, total == 0 ? 0 : 100, new Row
        {
            Calls = Rows.Values.Sum(r => r.Calls), Errors = Rows.Values.Sum(r => r.Errors), TotalNs = total,
        }, "total");
        var lost = LostEvents + lostFromHeader;
        if (FirstNs <= LastNs)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"time span: {(LastNs - FirstNs) / 1e9:F6} s, from {FirstNs / 1e9:F6} to {LastNs / 1e9:F6}"));
        }
        output.WriteLine(lost == 0
            ? "lost events: 0"
            : string.Create(CultureInfo.InvariantCulture, $"lost events: {lost} (the buffer was full: counts and times are partial)"));
    }

    private static void WriteRow(TextWriter output, double percent, Row row, string name)
    {
        var usecs = row.Calls == 0 ? 0 : row.TotalNs / 1000 / row.Calls;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{percent,6:F2} {row.TotalNs / 1e9,11:F6} {usecs,11} {row.Calls,9} {(row.Errors == 0 ? "" : row.Errors.ToString(CultureInfo.InvariantCulture)),9} {name}"));
    }
}
