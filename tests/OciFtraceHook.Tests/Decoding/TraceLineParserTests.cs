using OciFtraceHook.Decoding;

namespace OciFtraceHook.Tests.DecodingTests;

public class TraceLineParserTests
{
    private static TraceEvent Parse(string line)
    {
        var e = new TraceEvent();
        Assert.That(new TraceLineParser().TryParse(line, e), Is.True, $"not parsed: '{line}'");
        return e;
    }

    private static ulong[] ArgsOf(TraceEvent e) => e.Args[..e.ArgCount];

    [Test]
    public void An_exit_line_without_a_tgid_column()
    {
        var e = Parse("              sh-3361    [001] .....   355.916032: sys_execve -> 0x0");
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(TraceEventKind.SyscallExit));
            Assert.That(e.Comm, Is.EqualTo("sh"));
            Assert.That(e.Tid, Is.EqualTo(3361));
            Assert.That(e.Tgid, Is.EqualTo(3361), "without a TGID column the tgid is the tid");
            Assert.That(e.Cpu, Is.EqualTo(1));
            Assert.That(e.TimeNs, Is.EqualTo(355_916_032_000L));
            Assert.That(e.Name, Is.EqualTo("execve"));
            Assert.That(e.Return, Is.EqualTo(0L));
        });
    }

    [Test]
    public void An_enter_line_with_a_tgid_column()
    {
        var e = Parse("         python3-16487   (  16443) [001] .....  1362.868498: sys_openat(dfd: 0xffffff9c, filename: 0x7f7efaad3bf0, flags: 0x80000, mode: 0)");
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(TraceEventKind.SyscallEnter));
            Assert.That(e.Comm, Is.EqualTo("python3"));
            Assert.That(e.Tid, Is.EqualTo(16487));
            Assert.That(e.Tgid, Is.EqualTo(16443));
            Assert.That(e.Cpu, Is.EqualTo(1));
            Assert.That(e.TimeNs, Is.EqualTo(1_362_868_498_000L));
            Assert.That(e.Name, Is.EqualTo("openat"));
            Assert.That(e.ArgCount, Is.EqualTo(4));
            Assert.That(ArgsOf(e), Is.EqualTo(new ulong[] { 0xffffff9c, 0x7f7efaad3bf0, 0x80000, 0 }));
        });
    }

    [Test]
    public void A_failed_exit_returns_the_negative_errno()
    {
        var e = Parse("         python3-16487   (  16443) [001] .....  1362.868502: sys_openat -> 0xfffffffffffffffe");
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(TraceEventKind.SyscallExit));
            Assert.That(e.Name, Is.EqualTo("openat"));
            Assert.That(e.Tid, Is.EqualTo(16487));
            Assert.That(e.Tgid, Is.EqualTo(16443));
            Assert.That(e.TimeNs, Is.EqualTo(1_362_868_502_000L));
            Assert.That(e.Return, Is.EqualTo(-2L));
        });
    }

    [Test]
    public void A_large_positive_return_stays_positive()
    {
        var e = Parse("             cat-100     [000] .....   100.000001: sys_mmap -> 0x7f3c1a2b3000");
        Assert.That(e.Return, Is.EqualTo(0x7f3c1a2b3000L));
    }

    [Test]
    public void A_trace_marker_line()
    {
        var e = Parse("              sh-5999    [001] ...1.   518.935195: tracing_mark_write: app-ready");
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(TraceEventKind.Marker));
            Assert.That(e.Comm, Is.EqualTo("sh"));
            Assert.That(e.Tid, Is.EqualTo(5999));
            Assert.That(e.Cpu, Is.EqualTo(1));
            Assert.That(e.TimeNs, Is.EqualTo(518_935_195_000L));
            Assert.That(e.Text, Is.EqualTo("app-ready"));
        });
    }

    [Test]
    public void A_marker_keeps_colons_and_spaces_of_its_text()
    {
        var e = Parse("              sh-5999    [001] ...1.   518.935195: tracing_mark_write: phase 2: begin");
        Assert.That(e.Text, Is.EqualTo("phase 2: begin"));
    }

    [TestCase("CPU:0 [LOST 19666 EVENTS]", 0, 19666L)]
    [TestCase("CPU:1 [LOST 120 EVENTS]", 1, 120L)]
    [TestCase("CPU:13 [LOST 1 EVENTS]", 13, 1L)]
    public void A_lost_events_line(string line, int cpu, long lost)
    {
        var e = Parse(line);
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(TraceEventKind.LostEvents));
            Assert.That(e.Cpu, Is.EqualTo(cpu));
            Assert.That(e.Lost, Is.EqualTo(lost));
        });
    }

    [Test]
    public void A_command_name_with_spaces_and_dashes_ends_at_the_last_dash()
    {
        var e = Parse("my-app worker-12 (  10) [000] .....   7.000001: sys_getpid()");
        Assert.Multiple(() =>
        {
            Assert.That(e.Comm, Is.EqualTo("my-app worker"));
            Assert.That(e.Tid, Is.EqualTo(12));
            Assert.That(e.Tgid, Is.EqualTo(10));
            Assert.That(e.Cpu, Is.EqualTo(0));
            Assert.That(e.Kind, Is.EqualTo(TraceEventKind.SyscallEnter));
            Assert.That(e.Name, Is.EqualTo("getpid"));
            Assert.That(e.ArgCount, Is.EqualTo(0));
        });
    }

    [Test]
    public void A_command_name_that_ends_in_digits_is_not_taken_for_the_pid()
    {
        var e = Parse("        worker-2-77      [003] .....    9.500000: sys_close(fd: 4)");
        Assert.Multiple(() =>
        {
            Assert.That(e.Comm, Is.EqualTo("worker-2"));
            Assert.That(e.Tid, Is.EqualTo(77));
            Assert.That(e.Cpu, Is.EqualTo(3));
        });
    }

    [Test]
    public void An_unknown_command_name_shown_as_dots()
    {
        var e = Parse("           <...>-6008    [000] .....   100.000001: sys_close(fd: 3)");
        Assert.Multiple(() =>
        {
            Assert.That(e.Comm, Is.EqualTo("<...>"));
            Assert.That(e.Tid, Is.EqualTo(6008));
            Assert.That(e.Tgid, Is.EqualTo(6008));
            Assert.That(ArgsOf(e), Is.EqualTo(new ulong[] { 3 }));
        });
    }

    [Test]
    public void An_unrecorded_tgid_falls_back_to_the_tid()
    {
        var e = Parse("           <...>-6008    (-------) [000] .....   100.000001: sys_close(fd: 3)");
        Assert.Multiple(() =>
        {
            Assert.That(e.Tid, Is.EqualTo(6008));
            Assert.That(e.Tgid, Is.EqualTo(6008));
        });
    }

    [Test]
    public void A_nanosecond_timestamp()
    {
        var e = Parse("              sh-1       [000] .....    12.123456789: sys_getpid()");
        Assert.That(e.TimeNs, Is.EqualTo(12_123_456_789L));
    }

    [Test]
    public void A_microsecond_and_a_nanosecond_timestamp_of_the_same_instant_agree()
    {
        var micro = Parse("              sh-1       [000] .....  1560.992487: sys_getpid()").TimeNs;
        var nano = Parse("              sh-1       [000] .....  1560.992487000: sys_getpid()").TimeNs;
        Assert.That(nano, Is.EqualTo(micro));
    }

    [TestCase("")]
    [TestCase("   ")]
    [TestCase("# tracer: nop")]
    [TestCase("#")]
    [TestCase("#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION")]
    [TestCase("#              | |         |   |||||     |         |")]
    [TestCase("# entries-in-buffer/entries-written: 378/378   #P:2")]
    [TestCase("some text that is not a trace line")]
    public void Comments_blank_and_unreadable_lines_are_rejected(string line)
    {
        Assert.That(new TraceLineParser().TryParse(line, new TraceEvent()), Is.False);
    }

    [Test]
    public void A_quoted_string_after_a_pointer_is_skipped()
    {
        var e = Parse("             cat-3365    [000] .....   518.935039: sys_openat(dfd: 0xffffff9c, filename: 0x7ffd \"/etc/passwd\", flags: 0, mode: 0)");
        Assert.Multiple(() =>
        {
            Assert.That(e.Name, Is.EqualTo("openat"));
            Assert.That(e.ArgCount, Is.EqualTo(4));
            Assert.That(ArgsOf(e), Is.EqualTo(new ulong[] { 0xffffff9c, 0x7ffd, 0, 0 }));
        });
    }

    [Test]
    public void A_quoted_string_holding_separators_and_escaped_quotes_is_skipped_whole()
    {
        var e = Parse("             cat-3365    [000] .....   518.935039: sys_openat(dfd: 3, filename: 0x7ffd \"/tmp/a, flags: 7 \\\"q\\\"\", flags: 0x80000, mode: 0)");
        Assert.Multiple(() =>
        {
            Assert.That(e.ArgCount, Is.EqualTo(4));
            Assert.That(ArgsOf(e), Is.EqualTo(new ulong[] { 3, 0x7ffd, 0x80000, 0 }));
        });
    }

    [Test]
    public void Small_values_are_decimal()
    {
        var e = Parse("              sh-17924   (  17924) [000] .....  1560.992748: sys_getrandom(ubuf: 0x5eb7c0, len: 8, flags: 1)");
        Assert.Multiple(() =>
        {
            Assert.That(e.Name, Is.EqualTo("getrandom"));
            Assert.That(ArgsOf(e), Is.EqualTo(new ulong[] { 0x5eb7c0, 8, 1 }));
        });
    }

    [Test]
    public void Six_arguments_are_all_kept()
    {
        var e = Parse("            app-9        [000] .....     1.000000: sys_mmap(addr: 0, len: 0x1000, prot: 3, flags: 0x22, fd: 0xffffffffffffffff, off: 0)");
        Assert.That(ArgsOf(e), Is.EqualTo(new ulong[] { 0, 0x1000, 3, 0x22, 0xffffffffffffffff, 0 }));
    }

    [Test]
    public void An_event_that_is_not_a_syscall_is_other()
    {
        var e = Parse("              sh-17924   (  17924) [000] .....  1560.992480: sched_process_exec: filename=/bin/sh pid=17924 old_pid=17924");
        Assert.Multiple(() =>
        {
            Assert.That(e.Kind, Is.EqualTo(TraceEventKind.Other));
            Assert.That(e.Name, Is.EqualTo("sched_process_exec"));
            Assert.That(e.Tid, Is.EqualTo(17924));
            Assert.That(e.Text, Does.Contain("filename=/bin/sh"));
        });
    }

    [Test]
    public void One_event_object_reused_holds_only_the_last_line()
    {
        var parser = new TraceLineParser();
        var e = new TraceEvent();
        Assert.That(parser.TryParse("         python3-16487   (  16443) [001] .....  1362.868498: sys_openat(dfd: 0xffffff9c, filename: 0x7f7efaad3bf0, flags: 0x80000, mode: 0)", e), Is.True);
        Assert.That(parser.TryParse("             cat-3365    [000] .....  1362.900000: sys_close(fd: 5)", e), Is.True);
        Assert.Multiple(() =>
        {
            Assert.That(e.Comm, Is.EqualTo("cat"));
            Assert.That(e.Tid, Is.EqualTo(3365));
            Assert.That(e.Tgid, Is.EqualTo(3365));
            Assert.That(e.Cpu, Is.EqualTo(0));
            Assert.That(e.Name, Is.EqualTo("close"));
            Assert.That(ArgsOf(e), Is.EqualTo(new ulong[] { 5 }));
        });
    }

    [Test]
    public void A_new_command_name_after_exec_is_seen_for_the_same_task()
    {
        var parser = new TraceLineParser();
        var e = new TraceEvent();
        Assert.That(parser.TryParse("              sh-700     [000] .....     1.000000: sys_execve(filename: 0x1, argv: 0x2, envp: 0x3)", e), Is.True);
        Assert.That(e.Comm, Is.EqualTo("sh"));
        Assert.That(parser.TryParse("             cat-700     [000] .....     1.000100: sys_execve -> 0x0", e), Is.True);
        Assert.That(e.Comm, Is.EqualTo("cat"));
    }
}
