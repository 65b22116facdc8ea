using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.DecodingTests;

public class CallPairerTests
{
    /// <summary>Parses <paramref name="trace"/> line by line and feeds the pairer; the records in
    /// the order the sink got them.</summary>
    private static List<SyscallRecord> Pair(string trace, bool splitInterleaved = true, Func<SyscallRecord, bool>? shows = null, bool finish = true)
    {
        var parser = new TraceLineParser();
        var e = new TraceEvent();
        var records = new List<SyscallRecord>();
        var pairer = new CallPairer(shows ?? (_ => true), records.Add, splitInterleaved);
        foreach (var line in trace.Split('\n'))
        {
            if (parser.TryParse(line.TrimEnd('\r'), e)) pairer.Add(e);
        }
        if (finish) pairer.Finish();
        return records;
    }

    private static List<string> Format(IEnumerable<SyscallRecord> records, bool durations = false)
    {
        var formatter = new CallFormatter(TraceArch.X86_64, durations);
        return records.Select(formatter.Format).ToList();
    }

    private static RecordKind[] Kinds(IEnumerable<SyscallRecord> records) => records.Select(r => r.Kind).ToArray();

    private const string SimplePair = """
                     cat-100     [000] .....   100.000010: sys_openat(dfd: 0xffffff9c, filename: 0x7ffd1000, flags: 0x80000, mode: 0)
                     cat-100     [000] .....   100.000015: sys_openat -> 0x3
        """;

    [Test]
    public void An_enter_and_its_exit_are_one_call()
    {
        var records = Pair(SimplePair);
        Assert.That(records, Has.Count.EqualTo(1));
        var r = records[0];
        Assert.Multiple(() =>
        {
            Assert.That(r.Kind, Is.EqualTo(RecordKind.Call));
            Assert.That(r.Event, Is.EqualTo("openat"));
            Assert.That(r.Comm, Is.EqualTo("cat"));
            Assert.That(r.Tid, Is.EqualTo(100));
            Assert.That(r.Tgid, Is.EqualTo(100));
            Assert.That(r.Args[..r.ArgCount], Is.EqualTo(new ulong[] { 0xffffff9c, 0x7ffd1000, 0x80000, 0 }));
            Assert.That(r.HasArgs && r.HasReturn, Is.True);
            Assert.That(r.Return, Is.EqualTo(3L));
            Assert.That(r.StartNs, Is.EqualTo(100_000_010_000L));
            Assert.That(r.EndNs, Is.EqualTo(100_000_015_000L));
            Assert.That(r.DurationNs, Is.EqualTo(5_000L));
            Assert.That(r.IsError, Is.False);
        });
        Assert.That(Format(records), Is.EqualTo(new[] { "100.000010 100 openat(AT_FDCWD, 0x7ffd1000, O_RDONLY|O_CLOEXEC) = 3" }));
    }

    [Test]
    public void A_call_with_its_duration()
    {
        Assert.That(Format(Pair(SimplePair), durations: true),
            Is.EqualTo(new[] { "100.000010 100 openat(AT_FDCWD, 0x7ffd1000, O_RDONLY|O_CLOEXEC) = 3 <0.000005>" }));
    }

    [Test]
    public void A_failed_call_is_an_error()
    {
        var records = Pair("""
                         cat-100     [000] .....   100.000010: sys_openat(dfd: 0xffffff9c, filename: 0x7ffd1000, flags: 0, mode: 0)
                         cat-100     [000] .....   100.000012: sys_openat -> 0xfffffffffffffffe
            """);
        Assert.Multiple(() =>
        {
            Assert.That(records.Single().IsError, Is.True);
            Assert.That(records.Single().Return, Is.EqualTo(-2L));
            Assert.That(Format(records), Is.EqualTo(new[] { "100.000010 100 openat(AT_FDCWD, 0x7ffd1000, O_RDONLY) = -1 ENOENT (No such file or directory)" }));
        });
    }

    private const string Interleaved = """
                     app-200     (    200) [000] .....   100.000100: sys_read(fd: 3, buf: 0x7ffd2000, count: 0x100)
                     app-201     (    200) [001] .....   100.000110: sys_getpid()
                     app-201     (    200) [001] .....   100.000111: sys_getpid -> 0xc8
                     app-200     (    200) [000] .....   100.000120: sys_read -> 0x8
        """;

    [Test]
    public void A_call_another_thread_interrupts_is_split_into_unfinished_and_resumed()
    {
        var records = Pair(Interleaved);
        Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Unfinished, RecordKind.Call, RecordKind.Resumed }));
        Assert.Multiple(() =>
        {
            Assert.That(records.Select(r => r.Tid), Is.EqualTo(new[] { 200, 201, 200 }));
            Assert.That(records.Select(r => r.Event), Is.EqualTo(new[] { "read", "getpid", "read" }));
            Assert.That(records[2].Return, Is.EqualTo(8L));
            Assert.That(records[2].DurationNs, Is.EqualTo(20_000L), "the resumed half knows when the call began");
        });
        var lines = Format(records);
        Assert.Multiple(() =>
        {
            Assert.That(lines[0], Does.StartWith("100.000100 200 read(3, 0x7ffd2000, 256").And.EndWith(" <unfinished ...>"));
            Assert.That(lines[1], Is.EqualTo("100.000110 200/201 getpid() = 200"));
            Assert.That(lines[2], Is.EqualTo("100.000120 200 <... read resumed>) = 8"));
        });
    }

    [Test]
    public void Without_splitting_interleaved_calls_come_whole_when_they_end()
    {
        var records = Pair(Interleaved, splitInterleaved: false);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Call, RecordKind.Call }));
            Assert.That(records.Select(r => r.Event), Is.EqualTo(new[] { "getpid", "read" }));
            Assert.That(Format(records), Has.None.Contain("unfinished").And.None.Contain("resumed"));
            Assert.That(records[1].DurationNs, Is.EqualTo(20_000L));
        });
    }

    [Test]
    public void A_thread_filtered_out_does_not_split_another_threads_call()
    {
        var records = Pair(Interleaved, shows: r => r.Tid == 200);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Call }));
            Assert.That(Format(records), Is.EqualTo(new[] { "100.000100 200 read(3, 0x7ffd2000, 256) = 8" }));
        });
    }

    [Test]
    public void An_exit_whose_enter_is_not_in_the_trace_is_resumed()
    {
        var records = Pair("""
                          sh-300     [000] .....   100.000200: sys_execve -> 0x0
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Resumed }));
            Assert.That(records[0].HasArgs, Is.False);
            Assert.That(records[0].DurationNs, Is.EqualTo(0L));
            Assert.That(Format(records), Is.EqualTo(new[] { "100.000200 300 <... execve resumed>) = 0" }));
        });
    }

    [Test]
    public void An_enter_followed_by_another_enter_of_the_same_thread_lost_its_exit()
    {
        var records = Pair("""
                          sh-300     [000] .....   100.000300: sys_read(fd: 0, buf: 0x7ffd3000, count: 0x10)
                          sh-300     [000] .....   100.000400: sys_write(fd: 1, buf: 0x7ffd3000, count: 0x4)
                          sh-300     [000] .....   100.000401: sys_write -> 0x4
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Unfinished, RecordKind.Call }));
            Assert.That(records.Select(r => r.Event), Is.EqualTo(new[] { "read", "write" }));
            var lines = Format(records);
            Assert.That(lines[0], Does.StartWith("100.000300 300 read(0, 0x7ffd3000, 16").And.EndWith("<unfinished ...>"));
            Assert.That(lines[1], Is.EqualTo("100.000400 300 write(1, 0x7ffd3000, 4) = 4"));
        });
    }

    [Test]
    public void An_exit_of_another_call_than_the_one_entered_shows_both_halves()
    {
        var records = Pair("""
                          sh-300     [000] .....   100.000300: sys_read(fd: 0, buf: 0x7ffd3000, count: 0x10)
                          sh-300     [000] .....   100.000401: sys_write -> 0x4
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Unfinished, RecordKind.Resumed }));
            Assert.That(records.Select(r => r.Event), Is.EqualTo(new[] { "read", "write" }));
        });
    }

    [Test]
    public void Exit_group_is_shown_at_once_as_never_returning()
    {
        var records = Pair("""
                          sh-300     [000] .....   100.000500: sys_exit_group(error_code: 0)
            """, finish: false);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.NoReturn }));
            Assert.That(records[0].HasReturn, Is.False);
            Assert.That(Format(records), Is.EqualTo(new[] { "100.000500 300 exit_group(0) = ?" }));
        });
    }

    [Test]
    public void Exit_group_while_another_thread_is_in_a_call_splits_that_call()
    {
        var records = Pair("""
                         app-200     (    200) [000] .....   100.000100: sys_read(fd: 3, buf: 0x7ffd2000, count: 0x100)
                         app-201     (    200) [001] .....   100.000110: sys_exit_group(error_code: 1)
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Unfinished, RecordKind.NoReturn, RecordKind.NoReturn }));
            var lines = Format(records);
            Assert.That(lines[1], Is.EqualTo("100.000110 200/201 exit_group(1) = ?"));
            Assert.That(lines[2], Is.EqualTo("100.000100 200 <... read resumed>) = ?"));
        });
    }

    [Test]
    public void A_marker_written_during_a_write_splits_that_write()
    {
        var records = Pair("""
                          sh-5999    [001] .....   518.935190: sys_write(fd: 1, buf: 0x24d71200, count: 0xa)
                          sh-5999    [001] ...1.   518.935195: tracing_mark_write: app-ready
                          sh-5999    [001] .....   518.935197: sys_write -> 0xa
            """);
        Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Unfinished, RecordKind.Marker, RecordKind.Resumed }));
        Assert.That(Format(records), Is.EqualTo(new[]
        {
            "518.935190 5999 write(1, 0x24d71200, 10 <unfinished ...>",
            "518.935195 5999 --- trace_marker: app-ready ---",
            "518.935197 5999 <... write resumed>) = 10",
        }));
    }

    [Test]
    public void A_lost_events_line_is_passed_through()
    {
        var records = Pair("""
            CPU:1 [LOST 42 EVENTS]
                          dd-18023   (  18023) [001] .....  1561.243289: sys_read -> 0x1
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.LostEvents, RecordKind.Resumed }));
            Assert.That(records[0].Lost, Is.EqualTo(42L));
            Assert.That(records[0].Cpu, Is.EqualTo(1));
            Assert.That(Format(records)[0], Is.EqualTo("--- LOST 42 EVENTS on CPU 1: the trace is partial here ---"));
        });
    }

    [Test]
    public void A_lost_events_line_while_a_call_is_open_splits_it()
    {
        var records = Pair("""
                          dd-18023   (  18023) [001] .....  1561.243288: sys_read(fd: 0, buf: 0xd5b2cc0, count: 1)
            CPU:1 [LOST 42 EVENTS]
                          dd-18023   (  18023) [001] .....  1561.243289: sys_read -> 0x1
            """);
        Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Unfinished, RecordKind.LostEvents, RecordKind.Resumed }));
    }

    [Test]
    public void Finish_shows_calls_still_open_as_never_returning()
    {
        const string trace = """
                         app-200     (    200) [000] .....   100.000100: sys_read(fd: 3, buf: 0x7ffd2000, count: 0x100)
                         app-201     (    200) [001] .....   100.000110: sys_nanosleep(rqtp: 0x7ffd4000, rmtp: 0)
            """;
        Assert.That(Pair(trace, finish: false), Is.Empty, "nothing is shown before the end while both calls are open");
        var records = Pair(trace);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.NoReturn, RecordKind.NoReturn }));
            Assert.That(records.Select(r => r.Tid), Is.EqualTo(new[] { 200, 201 }));
            Assert.That(Format(records), Is.EqualTo(new[]
            {
                "100.000100 200 read(3, 0x7ffd2000, 256) = ?",
                "100.000110 200/201 nanosleep(0x7ffd4000, NULL) = ?",
            }));
        });
    }

    [Test]
    public void Finish_closes_a_call_already_shown_as_unfinished()
    {
        var records = Pair("""
                         app-200     (    200) [000] .....   100.000100: sys_read(fd: 3, buf: 0x7ffd2000, count: 0x100)
                         app-201     (    200) [001] .....   100.000110: sys_getpid()
                         app-201     (    200) [001] .....   100.000111: sys_getpid -> 0xc8
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Unfinished, RecordKind.Call, RecordKind.NoReturn }));
            Assert.That(Format(records)[2], Is.EqualTo("100.000100 200 <... read resumed>) = ?"));
        });
    }

    [Test]
    public void Execve_takes_the_new_command_name_at_its_exit()
    {
        var records = Pair("""
                          sh-300     [000] .....   100.000100: sys_execve(filename: 0x5ac272, argv: 0x24d70f90, envp: 0x24d70fc8)
                         cat-300     [000] .....   100.000300: sys_execve -> 0x0
            """);
        Assert.Multiple(() =>
        {
            Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Call }));
            Assert.That(records[0].Comm, Is.EqualTo("cat"));
        });
    }

    [Test]
    public void Lines_that_are_not_calls_do_not_disturb_pairing()
    {
        var records = Pair("""
            # tracer: nop
                         cat-100     [000] .....   100.000010: sys_openat(dfd: 0xffffff9c, filename: 0x7ffd1000, flags: 0x80000, mode: 0)
                         cat-100     [000] .....   100.000011: sched_process_fork: comm=cat pid=100 child_comm=cat child_pid=101

                         cat-100     [000] .....   100.000015: sys_openat -> 0x3
            """);
        Assert.That(Kinds(records), Is.EqualTo(new[] { RecordKind.Call }));
    }
}
