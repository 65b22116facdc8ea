using System.Globalization;
using System.Text;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.DecodingTests;

public class CallFilterAndSummaryTests
{
    /// <summary>One syscall of a synthetic trace: who, what, when it entered and returned (no exit
    /// line when <see cref="Return"/> is null).</summary>
    private sealed record Call(string Comm, int Tid, int Tgid, string Event, string Args, long StartNs, long? EndNs, long? Return);

    /// <summary>ftrace's nanosecond timestamp (options/trace_clock with ns precision).</summary>
    private static string Time(long ns) =>
        string.Create(CultureInfo.InvariantCulture, $"{ns / 1_000_000_000}.{ns % 1_000_000_000:D9}");

    private static string Prefix(Call c, long ns) =>
        string.Create(CultureInfo.InvariantCulture, $"{c.Comm,16}-{c.Tid,-7} ({c.Tgid,7}) [000] ..... {Time(ns),15}: ");

    /// <summary>ftrace text for the calls, each call's enter and exit next to each other.</summary>
    private static string Render(IEnumerable<Call> calls, IEnumerable<string>? extraLines = null)
    {
        var sb = new StringBuilder();
        foreach (var line in extraLines ?? []) sb.Append(line).Append('\n');
        foreach (var c in calls)
        {
            sb.Append(Prefix(c, c.StartNs)).Append("sys_").Append(c.Event).Append('(').Append(c.Args).Append(")\n");
            if (c.Return is { } ret)
                sb.Append(Prefix(c, c.EndNs!.Value)).Append("sys_").Append(c.Event).Append(" -> 0x")
                    .Append(((ulong)ret).ToString("x", CultureInfo.InvariantCulture)).Append('\n');
        }
        return sb.ToString();
    }

    private static List<SyscallRecord> Records(string trace, Func<SyscallRecord, bool>? shows = null, bool splitInterleaved = false)
    {
        var parser = new TraceLineParser();
        var e = new TraceEvent();
        var records = new List<SyscallRecord>();
        var pairer = new CallPairer(shows ?? (_ => true), records.Add, splitInterleaved);
        foreach (var line in trace.Split('\n'))
        {
            if (parser.TryParse(line, e)) pairer.Add(e);
        }
        pairer.Finish();
        return records;
    }

    private static readonly long T0 = 2_000_000_000_000L;

    /// <summary>Two processes (400 with a thread 401, and 500), a mix of file, network, process,
    /// memory and other calls, some failing.</summary>
    private static readonly Call[] Workload =
    [
        new("app", 400, 400, "newuname", "name: 0x7ffd0100", T0 + 1_000, T0 + 1_500, 0),
        new("app", 400, 400, "openat", "dfd: 0xffffff9c, filename: 0x7ffd0200, flags: 0x80000, mode: 0", T0 + 2_000, T0 + 7_000, 3),
        new("app", 400, 400, "openat", "dfd: 0xffffff9c, filename: 0x7ffd0300, flags: 0, mode: 0", T0 + 8_000, T0 + 15_000, -2),
        new("app", 401, 400, "openat", "dfd: 0xffffff9c, filename: 0x7ffd0400, flags: 0x241, mode: 0x1a4", T0 + 16_000, T0 + 27_000, -13),
        new("app", 401, 400, "read", "fd: 3, buf: 0x7ffd0500, count: 0x100", T0 + 28_000, T0 + 30_000, 0x100),
        new("app", 400, 400, "newstat", "filename: 0x7ffd0600, statbuf: 0x7ffd0700", T0 + 31_000, T0 + 34_000, 0),
        new("app", 400, 400, "socket", "family: 2, type: 1, protocol: 0", T0 + 35_000, T0 + 36_000, 4),
        new("app", 400, 400, "connect", "fd: 4, uservaddr: 0x7ffd0800, addrlen: 0x10", T0 + 37_000, T0 + 57_000, -111),
        new("app", 400, 400, "mmap", "addr: 0, len: 0x1000, prot: 3, flags: 0x22, fd: 0xffffffffffffffff, off: 0", T0 + 58_000, T0 + 60_000, 0x7f0000000000),
        new("app", 400, 400, "brk", "brk: 0", T0 + 61_000, T0 + 61_500, 0x1000000),
        new("app", 400, 400, "clone", "clone_flags: 0x1200011, newsp: 0, parent_tidptr: 0, child_tidptr: 0x7ffd0900, tls: 0", T0 + 62_000, T0 + 90_000, 500),
        new("sh", 500, 500, "execve", "filename: 0x5ac272, argv: 0x1, envp: 0x2", T0 + 91_000, T0 + 99_000, -2),
        new("sh", 500, 500, "getpid", "", T0 + 100_000, T0 + 100_400, 500),
        new("sh", 500, 500, "read", "fd: 0, buf: 0x7ffd0a00, count: 0x10", T0 + 101_000, T0 + 101_900, -9),
        new("app", 400, 400, "wait4", "upid: 0xffffffffffffffff, stat_addr: 0x7ffd0b00, options: 0, ru: 0", T0 + 102_000, T0 + 150_000, 500),
        new("sh", 500, 500, "exit_group", "error_code: 1", T0 + 149_000, null, null),
    ];

    private static List<SyscallRecord> WorkloadRecords(Func<SyscallRecord, bool>? shows = null) =>
        Records(Render(Workload.OrderBy(c => c.StartNs)), shows);

    private static CallFilter Filter(string[]? trace = null, bool failedOnly = false, int[]? pids = null) =>
        new(trace, failedOnly, pids, TraceArch.X86_64);

    private static string[] EventsShown(CallFilter filter) =>
        WorkloadRecords().Where(filter.Shows).Select(r => r.Event).Distinct().Order(StringComparer.Ordinal).ToArray();

    // --- filter

    [Test]
    public void Nothing_asked_shows_everything()
    {
        var filter = Filter();
        Assert.That(WorkloadRecords().All(filter.Shows), Is.True);
    }

    [Test]
    public void A_syscall_named_by_its_name_matches_its_event_uname_is_newuname()
    {
        var filter = Filter(["uname"]);
        var shown = WorkloadRecords().Where(filter.Shows).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(shown.Select(r => r.Event), Is.EqualTo(new[] { "newuname" }));
            Assert.That(new CallFormatter(TraceArch.X86_64, false).Format(shown[0]), Does.Contain(" uname(0x7ffd0100) = 0"));
        });
    }

    [Test]
    public void Several_names()
    {
        Assert.That(EventsShown(Filter(["openat", "read"])), Is.EqualTo(new[] { "openat", "read" }));
    }

    [Test]
    public void The_file_class()
    {
        // strace's %file: calls that take a file name (stat is the event newstat on x86_64).
        Assert.That(EventsShown(Filter(["%file"])), Is.EqualTo(new[] { "execve", "newstat", "openat" }));
    }

    [Test]
    public void The_network_class()
    {
        Assert.That(EventsShown(Filter(["%network"])), Is.EqualTo(new[] { "connect", "socket" }));
    }

    [Test]
    public void The_process_class()
    {
        Assert.That(EventsShown(Filter(["%process"])), Is.EqualTo(new[] { "clone", "execve", "exit_group", "wait4" }));
    }

    [Test]
    public void The_memory_class()
    {
        Assert.That(EventsShown(Filter(["%memory"])), Is.EqualTo(new[] { "brk", "mmap" }));
    }

    [Test]
    public void A_class_and_a_name_together()
    {
        Assert.That(EventsShown(Filter(["%network", "getpid"])), Is.EqualTo(new[] { "connect", "getpid", "socket" }));
    }

    [Test]
    public void Known_and_unknown_classes()
    {
        Assert.Multiple(() =>
        {
            foreach (var name in new[] { "file", "network", "process", "memory", "signal", "desc" })
                Assert.That(CallFilter.IsKnownClass(name), Is.True, name);
            Assert.That(CallFilter.IsKnownClass("nosuchclass"), Is.False);
        });
    }

    [Test]
    public void Failed_only_shows_the_calls_that_returned_an_error()
    {
        var expected = Workload.Where(c => c.Return is >= -4095 and <= -1)
            .Select(c => (c.Tid, c.Event, c.Return!.Value)).ToArray();
        var filter = Filter(failedOnly: true);
        var shown = WorkloadRecords().Where(filter.Shows).Select(r => (r.Tid, r.Event, r.Return)).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(expected, Has.Length.EqualTo(5));
            Assert.That(shown, Is.EqualTo(expected));
            Assert.That(filter.FailedOnly, Is.True);
        });
    }

    [Test]
    public void Failed_only_hides_markers_and_calls_that_never_returned()
    {
        var records = Records("""
                          sh-500     (    500) [000] ...1.  2000.000001: tracing_mark_write: hello
                          sh-500     (    500) [000] .....  2000.000002: sys_exit_group(error_code: 1)
            """);
        var filter = Filter(failedOnly: true);
        Assert.Multiple(() =>
        {
            Assert.That(records.Select(r => r.Kind), Is.EqualTo(new[] { RecordKind.Marker, RecordKind.NoReturn }));
            Assert.That(records.Where(filter.Shows), Is.Empty);
        });
    }

    [Test]
    public void Failed_only_and_a_name_together()
    {
        var filter = Filter(["openat"], failedOnly: true);
        var shown = WorkloadRecords().Where(filter.Shows).Select(r => r.Return).ToArray();
        Assert.That(shown, Is.EqualTo(Workload.Where(c => c.Event == "openat" && c.Return < 0).Select(c => c.Return!.Value).ToArray()));
    }

    [Test]
    public void A_pid_selects_a_process_with_all_its_threads()
    {
        var filter = Filter(pids: [400]);
        var shown = WorkloadRecords().Where(filter.Shows).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(shown, Has.Count.EqualTo(Workload.Count(c => c.Tgid == 400)));
            Assert.That(shown.Select(r => r.Tid).Distinct().Order(), Is.EqualTo(new[] { 400, 401 }));
        });
    }

    [Test]
    public void A_thread_id_selects_that_thread_only()
    {
        var filter = Filter(pids: [401]);
        var shown = WorkloadRecords().Where(filter.Shows).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(shown, Has.Count.EqualTo(Workload.Count(c => c.Tid == 401)));
            Assert.That(shown.Select(r => r.Tid).Distinct(), Is.EqualTo(new[] { 401 }));
        });
    }

    [Test]
    public void Several_pids()
    {
        var filter = Filter(pids: [401, 500]);
        var shown = WorkloadRecords().Where(filter.Shows).ToList();
        Assert.That(shown, Has.Count.EqualTo(Workload.Count(c => c.Tid is 401 or 500)));
    }

    [Test]
    public void Lost_events_are_shown_whatever_the_filter()
    {
        var records = Records("CPU:0 [LOST 7 EVENTS]\n");
        Assert.Multiple(() =>
        {
            Assert.That(records.Single().Kind, Is.EqualTo(RecordKind.LostEvents));
            Assert.That(Filter(["read"], failedOnly: true, pids: [1]).Shows(records[0]), Is.True);
        });
    }

    [Test]
    public void A_filter_given_to_the_pairer_shows_only_what_it_selects()
    {
        var filter = Filter(["%network"]);
        var records = Records(Render(Workload.OrderBy(c => c.StartNs)), filter.Shows, splitInterleaved: true);
        Assert.That(records.Select(r => r.Event), Is.EqualTo(new[] { "socket", "connect" }));
    }

    // --- summary

    private static CallSummary Summarize(IEnumerable<SyscallRecord> records)
    {
        var summary = new CallSummary();
        foreach (var r in records) summary.Add(r);
        return summary;
    }

    [Test]
    public void The_summary_counts_calls_errors_and_time_per_syscall()
    {
        var summary = Summarize(WorkloadRecords());
        var expected = Workload.GroupBy(c => c.Event).ToDictionary(g => g.Key, g => (
            Calls: (long)g.Count(),
            Errors: (long)g.Count(c => c.Return is >= -4095 and <= -1),
            TotalNs: g.Sum(c => c.EndNs is { } end ? end - c.StartNs : 0)));
        Assert.That(summary.Rows.Keys.Order(StringComparer.Ordinal), Is.EqualTo(expected.Keys.Order(StringComparer.Ordinal)));
        Assert.Multiple(() =>
        {
            foreach (var (ev, figures) in expected)
            {
                var row = summary.Rows[ev];
                Assert.That((row.Calls, row.Errors, row.TotalNs), Is.EqualTo(figures), ev);
            }
            Assert.That(summary.Rows["openat"].Calls, Is.EqualTo(3L));
            Assert.That(summary.Rows["openat"].Errors, Is.EqualTo(2L));
            Assert.That(summary.Rows["openat"].TotalNs, Is.EqualTo(5_000L + 7_000L + 11_000L));
        });
    }

    [Test]
    public void The_summary_spans_from_the_first_enter_to_the_last_exit()
    {
        var summary = Summarize(WorkloadRecords());
        Assert.Multiple(() =>
        {
            Assert.That(summary.FirstNs, Is.EqualTo(Workload.Min(c => c.StartNs)));
            Assert.That(summary.LastNs, Is.EqualTo(Workload.Max(c => c.EndNs ?? c.StartNs)));
        });
    }

    [Test]
    public void The_summary_adds_up_lost_events()
    {
        var records = Records(Render(Workload.OrderBy(c => c.StartNs), ["CPU:0 [LOST 42 EVENTS]", "CPU:1 [LOST 8 EVENTS]"]) + "CPU:0 [LOST 1000 EVENTS]\n");
        var summary = Summarize(records);
        Assert.Multiple(() =>
        {
            Assert.That(summary.LostEvents, Is.EqualTo(42L + 8L + 1000L));
            Assert.That(summary.Rows.Values.Sum(r => r.Calls), Is.EqualTo((long)Workload.Length));
        });
    }

    [Test]
    public void The_written_summary_has_a_row_per_syscall_and_totals()
    {
        var summary = Summarize(WorkloadRecords());
        var writer = new StringWriter();
        var table = new CallFormatter(TraceArch.X86_64, false);
        summary.Write(writer, table.NameOf, lostFromHeader: 5);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var rows = lines.Where(l => l.Length > 0 && char.IsAsciiDigit(l.TrimStart()[0]) && !l.StartsWith("time span", StringComparison.Ordinal))
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(cols => cols[^1], cols => cols);
        var totalNs = Workload.Sum(c => c.EndNs is { } end ? end - c.StartNs : 0);
        Assert.Multiple(() =>
        {
            Assert.That(rows.Keys, Does.Contain("uname").And.Not.Contain("newuname"), "rows are named by syscall name");
            Assert.That(rows.Keys, Does.Contain("stat").And.Not.Contain("newstat"));
            Assert.That(rows["openat"][3], Is.EqualTo("3"), "openat calls");
            Assert.That(rows["openat"][4], Is.EqualTo("2"), "openat errors");
            Assert.That(rows["total"][3], Is.EqualTo(Workload.Length.ToString(CultureInfo.InvariantCulture)));
            Assert.That(rows["total"][4], Is.EqualTo(Workload.Count(c => c.Return < 0).ToString(CultureInfo.InvariantCulture)));
            Assert.That(rows["total"][1], Is.EqualTo((totalNs / 1e9).ToString("F6", CultureInfo.InvariantCulture)));
            Assert.That(lines, Does.Contain("lost events: 5 (the buffer was full: counts and times are partial)"));
        });
    }

    [Test]
    public void A_summary_of_nothing_says_no_events_were_lost()
    {
        var writer = new StringWriter();
        new CallSummary().Write(writer, ev => ev, lostFromHeader: 0);
        Assert.That(writer.ToString().Split('\n'), Does.Contain("lost events: 0"));
    }
}
