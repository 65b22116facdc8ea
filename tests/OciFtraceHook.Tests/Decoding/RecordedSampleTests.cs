using System.Globalization;
using System.Text.RegularExpressions;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.DecodingTests;

/// <summary>The decoder on traces recorded from real containers (tests/samples/record.sh): a saved
/// trace of a busybox shell workload, and what a container read from its trace_pipe after its
/// buffer overflowed.</summary>
public class RecordedSampleTests
{
    private static string SamplePath(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Decoding", "Samples", name);

    private static string[] ReadLines(string name) => File.ReadAllLines(SamplePath(name));

    private static string[] Decode(string sample, DecodeOptions options)
    {
        var writer = new StringWriter { NewLine = "\n" };
        using (var reader = new StreamReader(SamplePath(sample)))
        {
            new TraceDecoder(options, writer).Run(reader);
        }
        var text = writer.ToString();
        Assert.That(text, Does.EndWith("\n"), "the output ends with a whole line");
        return text[..^1].Split('\n');
    }

    private static readonly Regex Enter = new(@": sys_(?<ev>\w+)\(", RegexOptions.CultureInvariant);
    private static readonly Regex Exit = new(@": sys_(?<ev>\w+) -> 0x(?<value>[0-9a-f]+)$", RegexOptions.CultureInvariant);
    private static readonly Regex TaskColumns = new(@"-(?<tid>\d+)\s+(?:\(\s*(?<tgid>\d+)\)\s+)?\[\d+\]", RegexOptions.CultureInvariant);
    private static readonly Regex LostLine = new(@"^CPU:(?<cpu>\d+) \[LOST (?<n>\d+) EVENTS\]$", RegexOptions.CultureInvariant);

    /// <summary>The rows of a written summary: name -> (calls, errors).</summary>
    private static Dictionary<string, (long Calls, long Errors)> SummaryRows(IEnumerable<string> lines)
    {
        var rows = new Dictionary<string, (long, long)>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length is < 5 or > 6 || !double.TryParse(cols[0], NumberStyles.Float, CultureInfo.InvariantCulture, out _)) continue;
            var calls = long.Parse(cols[3], CultureInfo.InvariantCulture);
            var errors = cols.Length == 6 ? long.Parse(cols[4], CultureInfo.InvariantCulture) : 0;
            rows[cols[^1]] = (calls, errors);
        }
        return rows;
    }

    /// <summary>Event names whose syscall has another name on x86_64 (syscall_64.tbl's name for
    /// the sys_NAME entry point).</summary>
    private static readonly Dictionary<string, string> RenamedOnX86 = new(StringComparer.Ordinal)
    {
        ["newuname"] = "uname",
        ["newstat"] = "stat",
        ["newfstat"] = "fstat",
        ["newlstat"] = "lstat",
        ["sendfile64"] = "sendfile",
    };

    private static string SyscallName(string ev) => RenamedOnX86.GetValueOrDefault(ev, ev);

    private sealed class RawCounts
    {
        public long Enters;
        public long Exits;
        public long FailedExits;
        /// <summary>Exits on a task with no enter of theirs in the trace (the task's first line).</summary>
        public long LoneExits;
        /// <summary>Of the lone exits: a new task's return from the clone that made it (the only
        /// clone exit that returns 0; the parent gets the child's pid).</summary>
        public long ChildReturns;
    }

    /// <summary>Per event, counted straight from the trace's text.</summary>
    private static Dictionary<string, RawCounts> CountRaw(IEnumerable<string> lines)
    {
        var counts = new Dictionary<string, RawCounts>(StringComparer.Ordinal);
        var pending = new Dictionary<int, string>();
        RawCounts Of(string ev) => counts.TryGetValue(ev, out var c) ? c : counts[ev] = new RawCounts();
        foreach (var line in lines)
        {
            if (line.StartsWith('#')) continue;
            var task = TaskColumns.Match(line);
            if (!task.Success) continue;
            var tid = int.Parse(task.Groups["tid"].Value, CultureInfo.InvariantCulture);
            if (Exit.Match(line) is { Success: true } exit)
            {
                var ev = exit.Groups["ev"].Value;
                var value = unchecked((long)ulong.Parse(exit.Groups["value"].Value, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                var c = Of(ev);
                c.Exits++;
                if (value is >= -4095 and <= -1) c.FailedExits++;
                if (!pending.Remove(tid, out var entered) || entered != ev)
                {
                    c.LoneExits++;
                    if (ev is "clone" or "clone3" or "fork" or "vfork" && value == 0) c.ChildReturns++;
                }
            }
            else if (Enter.Match(line) is { Success: true } enter)
            {
                Of(enter.Groups["ev"].Value).Enters++;
                pending[tid] = enter.Groups["ev"].Value;
            }
        }
        return counts;
    }

    [Test]
    public void The_busybox_workload_decodes_to_the_reviewed_output()
    {
        var expected = ReadLines("busybox-workload.expected");
        var actual = Decode("busybox-workload.trace", new DecodeOptions());
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void The_busybox_workload_summary_is_the_reviewed_one()
    {
        var expected = ReadLines("busybox-workload.summary.expected");
        var actual = Decode("busybox-workload.trace", new DecodeOptions { Summary = true });
        Assert.That(actual, Is.EqualTo(expected));
    }

    [Test]
    public void An_explicit_x86_64_architecture_agrees_with_the_header_of_the_busybox_workload()
    {
        var header = ReadLines("busybox-workload.trace").TakeWhile(l => l.StartsWith('#'));
        Assert.That(header, Does.Contain("# oci-ftrace-hook: arch x86_64"));
        Assert.That(Decode("busybox-workload.trace", new DecodeOptions { Arch = TraceArch.X86_64 }),
            Is.EqualTo(ReadLines("busybox-workload.expected")));
    }

    [Test]
    public void Summary_error_counts_equal_the_failed_exit_lines_of_the_raw_trace()
    {
        var raw = CountRaw(ReadLines("busybox-workload.trace"));
        var rows = SummaryRows(Decode("busybox-workload.trace", new DecodeOptions { Summary = true }));
        Assert.That(raw.Values.Sum(c => c.FailedExits), Is.GreaterThan(0), "the workload has failing calls");
        Assert.Multiple(() =>
        {
            foreach (var (ev, counts) in raw)
            {
                Assert.That(rows, Does.ContainKey(SyscallName(ev)), ev);
                if (rows.TryGetValue(SyscallName(ev), out var row)) Assert.That(row.Errors, Is.EqualTo(counts.FailedExits), ev);
            }
            Assert.That(rows["total"].Errors, Is.EqualTo(raw.Values.Sum(c => c.FailedExits)));
        });
    }

    [Test]
    public void Summary_call_counts_equal_the_enter_lines_of_the_raw_trace()
    {
        var raw = CountRaw(ReadLines("busybox-workload.trace"));
        var rows = SummaryRows(Decode("busybox-workload.trace", new DecodeOptions { Summary = true }));
        // Every call whose enter and exit are both in the trace (and the calls that never return).
        var whole = raw.Where(kv => kv.Value.LoneExits == 0).ToList();
        // The others: the execve recording began in, and the clones (each child's return is an exit
        // of its own); both are checked below.
        Assert.That(raw.Where(kv => kv.Value.LoneExits > 0).Select(kv => kv.Key).Order(StringComparer.Ordinal),
            Is.EqualTo(new[] { "clone", "execve" }));
        Assert.That(whole.Select(kv => kv.Key), Does.Contain("newuname").And.Contain("newfstatat").And.Contain("sendfile64").And.Contain("exit_group"));
        Assert.Multiple(() =>
        {
            foreach (var (ev, counts) in whole)
            {
                Assert.That(rows, Does.ContainKey(SyscallName(ev)), ev);
                if (rows.TryGetValue(SyscallName(ev), out var row)) Assert.That(row.Calls, Is.EqualTo(counts.Enters), ev);
            }
            Assert.That(rows.Keys.Where(name => name != "total"), Has.None.EqualTo("newuname").And.None.EqualTo("sendfile64"));
        });
    }

    [Test]
    public void Summary_counts_the_execve_whose_enter_came_before_recording_began()
    {
        // Recording starts at the exec of the container's program: its execve's exit is the
        // trace's first event, its enter is not in the trace.
        var raw = CountRaw(ReadLines("busybox-workload.trace"))["execve"];
        var rows = SummaryRows(Decode("busybox-workload.trace", new DecodeOptions { Summary = true }));
        Assert.Multiple(() =>
        {
            Assert.That(raw.LoneExits, Is.EqualTo(1L));
            Assert.That(raw.ChildReturns, Is.EqualTo(0L));
            Assert.That(rows["execve"].Calls, Is.EqualTo(raw.Enters + raw.LoneExits));
        });
    }

    [Test]
    public void Summary_counts_a_clone_once_not_again_when_the_child_returns_from_it()
    {
        var raw = CountRaw(ReadLines("busybox-workload.trace"))["clone"];
        var rows = SummaryRows(Decode("busybox-workload.trace", new DecodeOptions { Summary = true }));
        Assert.Multiple(() =>
        {
            Assert.That(raw.Enters, Is.EqualTo(7L));
            Assert.That(raw.ChildReturns, Is.EqualTo(7L));
            Assert.That(rows["clone"].Calls, Is.EqualTo(raw.Enters));
        });
    }

    [Test]
    public void Every_lost_events_line_of_the_pipe_is_in_the_output()
    {
        var input = ReadLines("lost-events.pipe");
        var lost = input.Select(l => LostLine.Match(l)).Where(m => m.Success).ToList();
        Assert.That(lost, Is.Not.Empty, "the sample holds LOST lines");
        var output = Decode("lost-events.pipe", new DecodeOptions { Arch = TraceArch.X86_64 });
        Assert.Multiple(() =>
        {
            foreach (var m in lost)
            {
                var shown = $"--- LOST {m.Groups["n"].Value} EVENTS on CPU {m.Groups["cpu"].Value}";
                Assert.That(output.Count(l => l.StartsWith(shown + ":", StringComparison.Ordinal)),
                    Is.EqualTo(lost.Count(o => o.Value == m.Value)), shown);
            }
            Assert.That(output.Count(l => l.StartsWith("--- LOST ", StringComparison.Ordinal)), Is.EqualTo(lost.Count));
        });
    }

    [Test]
    public void The_summary_of_the_pipe_adds_up_its_lost_events()
    {
        var sum = ReadLines("lost-events.pipe").Select(l => LostLine.Match(l)).Where(m => m.Success)
            .Sum(m => long.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture));
        var output = Decode("lost-events.pipe", new DecodeOptions { Summary = true, Arch = TraceArch.X86_64 });
        var line = output.Single(l => l.StartsWith("lost events: ", StringComparison.Ordinal));
        var figure = Regex.Match(line, @"^lost events: (\d+)").Groups[1].Value;
        Assert.Multiple(() =>
        {
            Assert.That(sum, Is.GreaterThan(0));
            Assert.That(long.Parse(figure, CultureInfo.InvariantCulture), Is.EqualTo(sum));
        });
    }

    [Test]
    public void Every_pid_in_the_output_of_the_pipe_is_in_its_input()
    {
        var inputIds = new HashSet<int>();
        foreach (var line in ReadLines("lost-events.pipe"))
        {
            var m = TaskColumns.Match(line);
            if (!m.Success) continue;
            inputIds.Add(int.Parse(m.Groups["tid"].Value, CultureInfo.InvariantCulture));
            if (m.Groups["tgid"].Success) inputIds.Add(int.Parse(m.Groups["tgid"].Value, CultureInfo.InvariantCulture));
        }
        var task = new Regex(@"^\d+\.\d{6} (?<pid>\d+)(?:/(?<tid>\d+))? ", RegexOptions.CultureInvariant);
        var output = Decode("lost-events.pipe", new DecodeOptions { Arch = TraceArch.X86_64 });
        var outputIds = new HashSet<int>();
        var lines = 0;
        foreach (var line in output.Where(l => !l.StartsWith("--- LOST ", StringComparison.Ordinal)))
        {
            var m = task.Match(line);
            Assert.That(m.Success, Is.True, $"no pid in '{line}'");
            lines++;
            outputIds.Add(int.Parse(m.Groups["pid"].Value, CultureInfo.InvariantCulture));
            if (m.Groups["tid"].Success) outputIds.Add(int.Parse(m.Groups["tid"].Value, CultureInfo.InvariantCulture));
        }
        Assert.Multiple(() =>
        {
            Assert.That(lines, Is.GreaterThan(100));
            Assert.That(outputIds, Is.SubsetOf(inputIds));
        });
    }

    [Test]
    public void Every_pid_in_the_output_of_the_busybox_workload_is_in_its_input()
    {
        var inputIds = ReadLines("busybox-workload.trace").Select(l => TaskColumns.Match(l)).Where(m => m.Success)
            .SelectMany(m => new[] { m.Groups["tid"], m.Groups["tgid"] }.Where(g => g.Success))
            .Select(g => int.Parse(g.Value, CultureInfo.InvariantCulture)).ToHashSet();
        // The decoder's own output, not the reviewed file: this checks what it prints now.
        var output = Decode("busybox-workload.trace", new DecodeOptions());
        Assert.That(output, Has.Length.GreaterThan(100));
        var outputIds = output
            .Where(l => !l.StartsWith('#'))
            .Select(l => l.Split(' ')[1].Split('/'))
            .SelectMany(ids => ids).Select(id => int.Parse(id, CultureInfo.InvariantCulture)).ToHashSet();
        Assert.That(outputIds, Is.SubsetOf(inputIds));
    }

    [Test]
    public void The_marker_of_the_busybox_workload_is_in_the_output_in_place()
    {
        var output = Decode("busybox-workload.trace", new DecodeOptions());
        var at = Array.FindIndex(output, l => l.EndsWith("--- trace_marker: phase-two ---", StringComparison.Ordinal));
        Assert.That(at, Is.GreaterThan(0));
        Assert.Multiple(() =>
        {
            Assert.That(output[at - 1], Does.Contain(" write(1, ").And.EndWith("<unfinished ...>"));
            Assert.That(output[at + 1], Does.Contain("<... write resumed>) = 10"));
        });
    }

    [Test]
    public void Failed_only_output_of_the_busybox_workload_has_one_line_per_failed_exit()
    {
        var raw = CountRaw(ReadLines("busybox-workload.trace"));
        var output = Decode("busybox-workload.trace", new DecodeOptions { FailedOnly = true });
        Assert.Multiple(() =>
        {
            Assert.That(output, Has.Length.EqualTo(raw.Values.Sum(c => c.FailedExits)));
            Assert.That(output, Has.All.Match(@" = -1 E[A-Z0-9]+ \("));
        });
    }
}

/// <summary>trace.dat files saved by the hook in the guests (tests/kernels/record-samples.sh): the
/// same workload as the text samples, with the path probes' records (6.1, 6.12, 7.3) or 7.3's own
/// strings and bytes (7.3-buffers), decoded as reviewed; and one of the arm64 6.1 (6.1-arm64),
/// decoded here by its own architecture.</summary>
public class RecordedGuestTraceDatTests
{
    private static string SamplePath(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Decoding", "Samples", name);

    [TestCase("6.1")]
    [TestCase("6.12")]
    [TestCase("7.3")]
    [TestCase("7.3-buffers")]
    public void A_trace_dat_saved_in_a_guest_decodes_as_reviewed_with_its_paths(string sample)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var decoder = new TraceDecoder(new DecodeOptions(), writer);
        using (var input = File.OpenRead(SamplePath($"guest-{sample}-workload.dat"))) TraceInput.Decode(input, decoder, sample);
        var text = writer.ToString();
        Assert.That(text, Is.EqualTo(File.ReadAllText(SamplePath($"guest-{sample}-workload.dat.expected"))));
        Assert.That(text, Does.Contain("openat(AT_FDCWD, \"/nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)"));
        Assert.That(text, Does.Contain("mkdir(\"/tmp/d\", 0777) = 0"));
        Assert.That(text, Does.Contain("--- trace_marker: phase-two ---"));
        Assert.That(decoder.Notes, Is.Empty);
        Assert.That(text, sample.EndsWith("buffers", StringComparison.Ordinal)
            ? Does.Contain("write(1, \"phase-two\\n\", 10")
            : Does.Match(@"write\(1, 0x[0-9a-f]+, 10"));
    }

    [Test]
    public void An_arm64_trace_dat_decodes_on_any_machine_by_its_own_architecture_as_reviewed()
    {
        const string sample = "guest-6.1-arm64-workload.dat";
        string Decode(TraceArch? arch, out TraceDecoder decoder)
        {
            var writer = new StringWriter { NewLine = "\n" };
            decoder = new TraceDecoder(new DecodeOptions { Arch = arch }, writer);
            using (var input = File.OpenRead(SamplePath(sample))) TraceInput.Decode(input, decoder, sample);
            return writer.ToString();
        }

        // No architecture given: the file's own (aarch64), whatever machine decodes it.
        var text = Decode(null, out var decoder);
        Assert.That(text, Is.EqualTo(File.ReadAllText(SamplePath(sample + ".expected"))));
        Assert.That(decoder.Notes, Is.Empty);
        // arm64 has only the *at calls; busybox's mkdir and rmdir are these there.
        Assert.That(text, Does.Contain("mkdirat(AT_FDCWD, \"/tmp/d\", 0777) = 0"));
        Assert.That(text, Does.Contain("unlinkat(AT_FDCWD, \"/tmp/d\", AT_REMOVEDIR) = -1 ENOENT (No such file or directory)"));
        Assert.That(text, Does.Contain("openat(AT_FDCWD, \"/nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)"));
        Assert.That(text, Does.Contain("openat(AT_FDCWD, \"/etc\", O_RDONLY|O_NONBLOCK|O_DIRECTORY|O_CLOEXEC) = 3"), "0x4000 is O_DIRECTORY on arm64");
        Assert.That(text, Does.Contain("--- trace_marker: phase-two ---"));

        // Read with x86_64's values instead, the same record names another flag: the sample tells them apart.
        Assert.That(Decode(TraceArch.X86_64, out _), Does.Contain("openat(AT_FDCWD, \"/etc\", O_RDONLY|O_NONBLOCK|O_DIRECT|O_CLOEXEC) = 3"));
    }
}
