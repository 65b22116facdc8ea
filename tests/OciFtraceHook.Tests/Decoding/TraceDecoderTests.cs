using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.DecodingTests;

public class TraceDecoderTests
{
    private static (string[] Lines, TraceDecoder Decoder) Decode(string trace, DecodeOptions? options = null)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var decoder = new TraceDecoder(options ?? new DecodeOptions { Arch = TraceArch.X86_64 }, writer);
        decoder.Run(new StringReader(trace));
        var text = writer.ToString();
        return (text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n'), decoder);
    }

    private const string OpenDirectory4000 = """
                     cat-100     [000] .....   100.000010: sys_openat(dfd: 0xffffff9c, filename: 0x7ffd1000, flags: 0x4000, mode: 0)
                     cat-100     [000] .....   100.000015: sys_openat -> 0x3
        """;

    [Test]
    public void The_architecture_named_in_the_header_chooses_the_flag_values()
    {
        var (arm, _) = Decode("# oci-ftrace-hook: arch arm64\n" + OpenDirectory4000, new DecodeOptions());
        var (x86, _) = Decode("# oci-ftrace-hook: arch x86_64\n" + OpenDirectory4000, new DecodeOptions());
        Assert.Multiple(() =>
        {
            Assert.That(arm, Is.EqualTo(new[] { "100.000010 100 openat(AT_FDCWD, 0x7ffd1000, O_RDONLY|O_DIRECTORY) = 3" }));
            Assert.That(x86, Is.EqualTo(new[] { "100.000010 100 openat(AT_FDCWD, 0x7ffd1000, O_RDONLY|O_DIRECT) = 3" }));
        });
    }

    [Test]
    public void Aarch64_is_arm64()
    {
        var (lines, _) = Decode("# oci-ftrace-hook: arch aarch64\n" + OpenDirectory4000, new DecodeOptions());
        Assert.That(lines.Single(), Does.Contain("O_DIRECTORY"));
    }

    [Test]
    public void Overwritten_entries_in_ftraces_header_are_lost_events()
    {
        var (lines, decoder) = Decode("# tracer: nop\n#\n# entries-in-buffer/entries-written: 378/400   #P:2\n#\n" + OpenDirectory4000);
        Assert.Multiple(() =>
        {
            Assert.That(decoder.LostFromHeader, Is.EqualTo(400L - 378L));
            Assert.That(lines[^1], Is.EqualTo("--- 22 events were lost when the buffer was full: the trace is partial ---"));
        });
    }

    [Test]
    public void The_hooks_own_lost_count_wins_over_ftraces_entries()
    {
        var (_, decoder) = Decode("# oci-ftrace-hook: lost events: 5\n# entries-in-buffer/entries-written: 378/400   #P:2\n" + OpenDirectory4000);
        Assert.That(decoder.LostFromHeader, Is.EqualTo(5L));
    }

    [Test]
    public void Nothing_lost_adds_no_line()
    {
        var (lines, decoder) = Decode("# entries-in-buffer/entries-written: 2/2   #P:2\n" + OpenDirectory4000);
        Assert.Multiple(() =>
        {
            Assert.That(decoder.LostFromHeader, Is.EqualTo(0L));
            Assert.That(lines, Has.Length.EqualTo(1));
            Assert.That(decoder.Records, Is.EqualTo(1L));
        });
    }

    [Test]
    public void The_summary_adds_lost_lines_to_the_headers_lost_events()
    {
        var (lines, _) = Decode("# entries-in-buffer/entries-written: 378/400   #P:2\nCPU:1 [LOST 10 EVENTS]\n" + OpenDirectory4000,
            new DecodeOptions { Summary = true, Arch = TraceArch.X86_64 });
        Assert.That(lines, Does.Contain("lost events: 32 (the buffer was full: counts and times are partial)"));
    }

    private const string TwoProcesses = """
                     app-200     (    200) [000] .....   100.000100: sys_read(fd: 3, buf: 0x7ffd2000, count: 0x100)
                     app-201     (    200) [001] .....   100.000110: sys_newuname(name: 0x7ffd3000)
                     app-201     (    200) [001] .....   100.000111: sys_newuname -> 0x0
                      sh-300     (    300) [001] .....   100.000112: sys_openat(dfd: 0xffffff9c, filename: 0x7ffd1000, flags: 0, mode: 0)
                      sh-300     (    300) [001] .....   100.000113: sys_openat -> 0xfffffffffffffffe
                     app-200     (    200) [000] .....   100.000120: sys_read -> 0x8
        """;

    [Test]
    public void All_of_it_with_interleaved_calls_split()
    {
        var (lines, decoder) = Decode(TwoProcesses);
        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.EqualTo(new[]
            {
                "100.000100 200 read(3, 0x7ffd2000, 256 <unfinished ...>",
                "100.000110 200/201 uname(0x7ffd3000) = 0",
                "100.000112 300 openat(AT_FDCWD, 0x7ffd1000, O_RDONLY) = -1 ENOENT (No such file or directory)",
                "100.000120 200 <... read resumed>) = 8",
            }));
            Assert.That(decoder.Records, Is.EqualTo(4L));
        });
    }

    [Test]
    public void With_durations()
    {
        var (lines, _) = Decode(TwoProcesses, new DecodeOptions { Durations = true, Arch = TraceArch.X86_64 });
        Assert.Multiple(() =>
        {
            Assert.That(lines[1], Does.EndWith(" = 0 <0.000001>"));
            Assert.That(lines[3], Does.EndWith(" = 8 <0.000020>"));
        });
    }

    [Test]
    public void Only_the_syscalls_asked_for()
    {
        var (lines, _) = Decode(TwoProcesses, new DecodeOptions { Trace = ["uname"], Arch = TraceArch.X86_64 });
        Assert.That(lines, Is.EqualTo(new[] { "100.000110 200/201 uname(0x7ffd3000) = 0" }));
    }

    [Test]
    public void Only_the_failed_calls()
    {
        var (lines, _) = Decode(TwoProcesses, new DecodeOptions { FailedOnly = true, Arch = TraceArch.X86_64 });
        Assert.That(lines, Is.EqualTo(new[] { "100.000112 300 openat(AT_FDCWD, 0x7ffd1000, O_RDONLY) = -1 ENOENT (No such file or directory)" }));
    }

    [Test]
    public void Only_one_process()
    {
        var (lines, _) = Decode(TwoProcesses, new DecodeOptions { Pids = [300], Arch = TraceArch.X86_64 });
        Assert.That(lines, Is.EqualTo(new[] { "100.000112 300 openat(AT_FDCWD, 0x7ffd1000, O_RDONLY) = -1 ENOENT (No such file or directory)" }));
    }

    [Test]
    public void Line_by_line_gives_what_run_gives()
    {
        var writer = new StringWriter { NewLine = "\n" };
        var decoder = new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer);
        foreach (var line in TwoProcesses.Split('\n')) decoder.Line(line);
        decoder.Finish();
        Assert.That(writer.ToString().TrimEnd('\n').Split('\n'), Is.EqualTo(Decode(TwoProcesses).Lines));
    }

    [Test]
    public void An_empty_trace_gives_nothing_and_an_empty_summary()
    {
        var (lines, _) = Decode("# tracer: nop\n");
        var (summary, _) = Decode("", new DecodeOptions { Summary = true, Arch = TraceArch.X86_64 });
        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.Empty);
            Assert.That(summary, Does.Contain("lost events: 0"));
            Assert.That(summary.Any(l => l.StartsWith("time span", StringComparison.Ordinal)), Is.False);
        });
    }
}
