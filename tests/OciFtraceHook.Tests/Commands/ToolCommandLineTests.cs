using OciFtraceHook.Commands;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.CommandsTests;

/// <summary>The tools' command line, in process: what each option becomes, and how a wrong command
/// line is told (exit 2, the command's name, where the help is).</summary>
public class ToolCommandLineTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = ToolCommandLine.Run(args, new ToolConsole(output, error, () => new MemoryStream()));
        return (code, output.ToString(), error.ToString());
    }

    private static ShowArguments Show(params string[] args)
    {
        var parse = ToolCommandLine.Build(new ToolConsole(TextWriter.Null, TextWriter.Null, () => Stream.Null)).Parse(["show", .. args]);
        Assert.That(parse.Errors, Is.Empty, string.Join("; ", parse.Errors.Select(e => e.Message)));
        return ShowCommand.Arguments(parse);
    }

    private static SeccompArguments Seccomp(params string[] args)
    {
        var parse = ToolCommandLine.Build(new ToolConsole(TextWriter.Null, TextWriter.Null, () => Stream.Null)).Parse(["seccomp", .. args]);
        Assert.That(parse.Errors, Is.Empty, string.Join("; ", parse.Errors.Select(e => e.Message)));
        return SeccompCommand.Arguments(parse);
    }

    [Test]
    public void Show_options_become_decode_options()
    {
        var parsed = Show("abc123", "-Z", "-T", "-p", "7", "--pid", "9", "-e", "trace=openat,%file", "--format", "json", "--arch", "aarch64", "--save-dir", "/srv/t");
        Assert.Multiple(() =>
        {
            Assert.That(parsed.Container, Is.EqualTo("abc123"));
            Assert.That(parsed.File, Is.Null);
            Assert.That(parsed.SaveDir, Is.EqualTo("/srv/t"));
            Assert.That(parsed.Options.FailedOnly, Is.True);
            Assert.That(parsed.Options.Durations, Is.True);
            Assert.That(parsed.Options.Pids, Is.EqualTo(new[] { 7, 9 }));
            Assert.That(parsed.Options.Trace, Is.EqualTo(new[] { "openat", "%file" }));
            Assert.That(parsed.Options.Format, Is.EqualTo(OutputFormat.Json));
            Assert.That(parsed.Options.Arch, Is.EqualTo(TraceArch.Arm64));
            Assert.That(parsed.Options.Summary, Is.False);
        });
    }

    [Test]
    public void Show_with_nothing_or_a_dash_reads_stdin()
    {
        Assert.That(Show().File, Is.Null);
        Assert.That(Show().Container, Is.Null);
        Assert.That(Show("-").File, Is.EqualTo("-"));
        Assert.That(Show("-", "-c").Options.Summary, Is.True);
        Assert.That(Show("--file", "/x.trace").File, Is.EqualTo("/x.trace"));
    }

    [TestCase(new[] { "show", "--nope" }, "oci-ftrace-hook: error: show: unknown option '--nope'")]
    [TestCase(new[] { "show", "-e" }, "oci-ftrace-hook: error: show: -e needs a value")]
    [TestCase(new[] { "show", "-p", "0", "x" }, "oci-ftrace-hook: error: show: a PID is a positive number")]
    [TestCase(new[] { "show", "--format", "xml" }, "oci-ftrace-hook: error: show: Argument 'xml' not recognized")]
    [TestCase(new[] { "show", "a", "b" }, "oci-ftrace-hook: error: show: Unrecognized command or argument 'b'")]
    [TestCase(new[] { "gc", "--bogus" }, "oci-ftrace-hook: error: gc: unknown option '--bogus'")]
    [TestCase(new[] { "seccomp", "--file" }, "oci-ftrace-hook: error: seccomp: --file needs a value")]
    [TestCase(new[] { "frobnicate" }, "oci-ftrace-hook: error: Unrecognized command or argument 'frobnicate'")]
    public void A_wrong_command_line_exits_2_naming_the_command_and_its_help(string[] args, string message)
    {
        var (code, _, error) = Run(args);
        Assert.That(code, Is.EqualTo(2));
        var lines = error.TrimEnd().Split('\n');
        Assert.That(lines[0], Does.StartWith(message));
        Assert.That(lines[^1], Does.StartWith("Try 'oci-ftrace-hook ").And.EndWith("--help'."));
    }

    [Test]
    public void A_class_written_without_percent_is_the_class_as_strace_takes_it() =>
        Assert.That(Show("abc123", "-e", "trace=file,uname").Options.Trace, Is.EqualTo(new[] { "%file", "uname" }));

    [TestCase(new[] { "show", "--follow", "--file", "x" }, "show: --follow needs a running container, not a file")]
    [TestCase(new[] { "show", "-c", "--format", "json", "--file", "x" }, "show: --summary is a table; it has no --format")]
    [TestCase(new[] { "show", "c1", "--file", "x" }, "show: give a container or --file, not both")]
    [TestCase(new[] { "show", "-e", "%nosuchclass" }, "show: unknown class '%nosuchclass'")]
    [TestCase(new[] { "show", "-e", "trace=openat,nosuchcall" }, "show: unknown syscall 'nosuchcall' (neither x86_64 nor arm64 has it")]
    [TestCase(new[] { "seccomp" }, "seccomp: name at least one container or --file")]
    [TestCase(new[] { "seccomp", "--file", "x", "--errno", "EBOGUS" }, "seccomp: unknown errno 'EBOGUS'")]
    public void Wrong_combinations_are_usage_errors_in_one_line(string[] args, string message)
    {
        var (code, output, error) = Run(args);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(error, Does.StartWith("oci-ftrace-hook: error: " + message));
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(output, Is.Empty);
        });
    }

    [Test]
    public void Seccomp_options_have_their_defaults_and_none_drops_the_runtime()
    {
        var plain = Seccomp("--file", "a.trace", "--file", "b.trace");
        var explicitly = Seccomp("web", "-o", "p.json", "--errno", "ENOSYS", "--runtime", "none", "--arch", "x86_64");
        Assert.Multiple(() =>
        {
            Assert.That(plain.Files, Is.EqualTo(new[] { "a.trace", "b.trace" }));
            Assert.That(plain.ErrnoName, Is.EqualTo("EPERM"));
            Assert.That(plain.Errno, Is.EqualTo(Errno.Number("EPERM")));
            Assert.That(plain.Runtime, Is.EqualTo("runc"));
            Assert.That(explicitly.Containers, Is.EqualTo(new[] { "web" }));
            Assert.That(explicitly.Output, Is.EqualTo("p.json"));
            Assert.That(explicitly.Errno, Is.EqualTo(Errno.Number("ENOSYS")));
            Assert.That(explicitly.Runtime, Is.Null);
            Assert.That(explicitly.Arch, Is.EqualTo(TraceArch.X86_64));
        });
    }

    [Test]
    public void Help_lists_every_option_and_exits_0()
    {
        var (code, output, _) = Run("show", "--help");
        Assert.That(code, Is.Zero);
        foreach (var option in new[] { "--file", "--save-dir", "--follow", "--summary", "--trace", "--failed", "--pid", "-T", "--format", "--arch" })
            Assert.That(output, Does.Contain(option));
        var (rootCode, rootHelp, _) = Run("--help");
        Assert.That(rootCode, Is.Zero);
        Assert.That(rootHelp, Does.Contain("show").And.Contain("seccomp").And.Contain("gc").And.Contain("prestart"));
    }

    [Test]
    public void Completion_suggests_commands_options_and_values()
    {
        Assert.That(Run("[suggest:1]", "s").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Does.Contain("seccomp").And.Contain("show").And.Not.Contain("gc"));
        Assert.That(Run("[suggest:9]", "show --fo").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "--follow", "--format" }));
        Assert.That(Run("[suggest:14]", "show --format ").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { "chrome", "json", "text" }));
        Assert.That(Run("[suggest:9]", "show -e %").Output, Does.Contain("%file").And.Contain("%network"));
    }

    [Test]
    public void A_failure_is_one_line_and_exit_1()
    {
        var (code, _, error) = Run("show", "--file", "/nonexistent/trace");
        Assert.That(code, Is.EqualTo(1));
        Assert.That(error, Does.StartWith("oci-ftrace-hook: error: ").And.Contain("/nonexistent/trace"));
        Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
    }

    [Test]
    public void The_note_on_missing_paths_is_escaped_like_everything_a_trace_holds()
    {
        // A trace handed to show may be a copy a container made: its header is the container's text.
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "# oci-ftrace-hook: paths: none: \u001b]0;owned\u0007\n" +
                "              sh-5   (      5) [000] ..... 10.000001: sys_close(fd: 0x3)\n" +
                "              sh-5   (      5) [000] ..... 10.000002: sys_close -> 0x0\n");
            var (code, output, error) = Run("show", "--file", file);
            Assert.Multiple(() =>
            {
                Assert.That(code, Is.Zero, error);
                Assert.That(output, Does.Contain("close(3) = 0"));
                Assert.That(error, Does.Contain(@"paths are shown as addresses: \33]0;owned\7"));
                Assert.That(error.Any(c => c is '\u001b' or '\u0007'), Is.False, "no raw control byte");
            });
        }
        finally
        {
            File.Delete(file);
        }
    }
}
