using System.Globalization;
using OciFtraceHook.Processes;

namespace OciFtraceHook.Tests.Processes;

public class InitProcessLocatorTests
{
    private string? _fakeProc;

    [TearDown]
    public void RemoveFakeProc()
    {
        if (_fakeProc is not null) Directory.Delete(_fakeProc, recursive: true);
        _fakeProc = null;
    }

    /// <summary>A /proc/PID/stat line as the kernel prints it (52 fields), with the given comm,
    /// state and start time (field 22).</summary>
    private static string StatLine(int pid, string comm, char state, ulong startTime)
    {
        var rest = new List<string> { state.ToString(), "1200", pid.ToString(CultureInfo.InvariantCulture), "1200", "0", "-1", "4194560", "151", "0", "0", "0", "0", "0", "0", "0", "20", "0", "1", "0", startTime.ToString(CultureInfo.InvariantCulture) };
        while (rest.Count < 50) rest.Add(rest.Count == 21 ? "18446744073709551615" : "0");
        return $"{pid} ({comm}) {string.Join(' ', rest)}\n";
    }

    private string FakeProc(int pid, string comm, char state, ulong startTime)
    {
        _fakeProc ??= Directory.CreateTempSubdirectory("fake-proc-").FullName;
        Directory.CreateDirectory(Path.Combine(_fakeProc, pid.ToString(CultureInfo.InvariantCulture)));
        File.WriteAllText(Path.Combine(_fakeProc, pid.ToString(CultureInfo.InvariantCulture), "stat"), StatLine(pid, comm, state, startTime));
        return _fakeProc;
    }

    private static ulong OwnStartTime() => InitProcessLocator.ParseStat(File.ReadAllText($"/proc/{Environment.ProcessId}/stat")).StartTime;

    [Test]
    public void A_runtime_init_line_is_parsed()
    {
        var stat = InitProcessLocator.ParseStat(StatLine(4321, "runc:[2:INIT]", 'S', 56789));
        Assert.That(stat, Is.EqualTo(new InitProcessLocator.ProcStat("runc:[2:INIT]", 'S', 56789)));
    }

    [TestCase("my app")]
    [TestCase("a) S 1 2 (b")]
    [TestCase(") ) )")]
    [TestCase("(")]
    [TestCase("")]
    public void A_comm_with_spaces_and_parentheses_is_kept_whole(string comm)
    {
        var stat = InitProcessLocator.ParseStat(StatLine(77, comm, 'R', 123456789012UL));
        Assert.Multiple(() =>
        {
            Assert.That(stat.Command, Is.EqualTo(comm));
            Assert.That(stat.State, Is.EqualTo('R'));
            Assert.That(stat.StartTime, Is.EqualTo(123456789012UL));
        });
    }

    [Test]
    public void The_line_of_this_process_is_parsed()
    {
        var text = File.ReadAllText("/proc/self/stat");
        var stat = InitProcessLocator.ParseStat(text);
        var comm = File.ReadAllText("/proc/self/comm").TrimEnd('\n');
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        Assert.Multiple(() =>
        {
            Assert.That(stat.Command, Is.EqualTo(comm));
            Assert.That(stat.State, Is.EqualTo(fields[0][0]));
            Assert.That(stat.StartTime, Is.EqualTo(ulong.Parse(fields[19], CultureInfo.InvariantCulture)));
            Assert.That(stat.StartTime, Is.GreaterThan(0UL));
        });
    }

    [Test]
    public void A_line_without_parentheses_is_refused()
    {
        Assert.That(() => InitProcessLocator.ParseStat("1234 bash S 1 2 3"), Throws.TypeOf<HookException>().With.Message.Contains("unreadable"));
    }

    [TestCase("1234 (sh) S 1 1234")]
    [TestCase("1234 (sh)")]
    public void A_truncated_line_is_refused_as_unreadable(string line)
    {
        Assert.That(() => InitProcessLocator.ParseStat(line), Throws.TypeOf<HookException>().With.Message.Contains("unreadable"));
    }

    [Test]
    public void No_pid_is_an_error_that_names_the_stage()
    {
        Assert.That(() => InitProcessLocator.Locate(null),
            Throws.TypeOf<HookException>().With.Message.Contains("no pid").And.Message.Contains("prestart"));
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(-3)]
    public void A_pid_that_cannot_be_an_init_is_refused(int pid)
    {
        Assert.That(() => InitProcessLocator.Locate(pid),
            Throws.TypeOf<HookException>().With.Message.Contains($"pid {pid} ").And.Message.Contains("cannot be a container's init"));
    }

    [Test]
    public void A_pid_that_does_not_exist_is_refused()
    {
        Assert.That(() => InitProcessLocator.Locate(int.MaxValue),
            Throws.TypeOf<HookException>().With.Message.Contains($"process {int.MaxValue} ").And.Message.Contains("does not exist"));
    }

    [Test]
    public void A_pid_missing_from_the_proc_root_is_refused()
    {
        var proc = FakeProc(500, "other", 'S', 1);
        Assert.That(() => InitProcessLocator.Locate(501, proc), Throws.TypeOf<HookException>().With.Message.Contains("does not exist"));
    }

    [Test]
    public void This_test_process_is_not_a_container_init()
    {
        var pid = Environment.ProcessId;
        Assert.That(() => InitProcessLocator.Locate(pid),
            Throws.TypeOf<HookException>().With.Message.Contains($"process {pid} ")
                .And.Message.Contains("is not a container's init")
                .And.Message.Contains("shares the hook's PID namespace"));
    }

    [TestCase('Z')]
    [TestCase('X')]
    public void An_exited_process_is_refused(char state)
    {
        var proc = FakeProc(600, "runc:[2:INIT]", state, 42);
        Assert.That(() => InitProcessLocator.Locate(600, proc), Throws.TypeOf<HookException>().With.Message.Contains("has exited"));
    }

    [TestCase("runc:[2:INIT]")]
    [TestCase("crun")]
    public void A_runtime_init_in_the_same_pid_namespace_is_accepted(string comm)
    {
        var proc = FakeProc(700, comm, 'S', 4242);
        Assert.That(InitProcessLocator.Locate(700, proc), Is.EqualTo(new InitProcess(700, comm, 4242)));
    }

    [Test]
    public void Another_program_in_the_same_pid_namespace_is_refused()
    {
        var proc = FakeProc(800, "bash", 'S', 1);
        Assert.That(() => InitProcessLocator.Locate(800, proc),
            Throws.TypeOf<HookException>().With.Message.Contains("(bash) is not a container's init"));
    }

    [Test]
    public void Any_program_in_another_pid_namespace_is_accepted()
    {
        var proc = FakeProc(900, "sleep", 'S', 99);
        Directory.CreateDirectory(Path.Combine(proc, "900", "ns"));
        Directory.CreateDirectory(Path.Combine(proc, "self", "ns"));
        File.CreateSymbolicLink(Path.Combine(proc, "900", "ns", "pid"), "pid:[4026532100]");
        File.CreateSymbolicLink(Path.Combine(proc, "self", "ns", "pid"), "pid:[4026531836]");
        Assert.That(InitProcessLocator.Locate(900, proc), Is.EqualTo(new InitProcess(900, "sleep", 99)));
    }

    [Test]
    public void IsSame_tells_the_located_process_from_a_reused_pid()
    {
        var pid = Environment.ProcessId;
        var start = OwnStartTime();
        Assert.Multiple(() =>
        {
            Assert.That(InitProcessLocator.IsSame(new InitProcess(pid, "x", start)), Is.True);
            Assert.That(InitProcessLocator.IsSame(new InitProcess(pid, "x", start + 1)), Is.False);
            Assert.That(InitProcessLocator.IsSame(new InitProcess(pid, "x", 0)), Is.False);
            Assert.That(InitProcessLocator.IsSame(new InitProcess(int.MaxValue, "x", start)), Is.False);
        });
    }

    [Test]
    public void IsSame_is_false_once_the_process_is_a_zombie()
    {
        var proc = FakeProc(1000, "runc:[2:INIT]", 'Z', 5);
        Assert.That(InitProcessLocator.IsSame(new InitProcess(1000, "runc:[2:INIT]", 5), proc), Is.False);
    }
}
