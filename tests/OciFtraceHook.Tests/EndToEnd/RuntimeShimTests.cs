using System.Text.Json.Nodes;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>The runtime shim called as an engine calls runc, with real runc behind it.</summary>
[Category("EndToEnd")]
public class RuntimeShimTests : OneBundleTests
{
    private string _root = null!;

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("shim");
        _root = Path.Combine(Bundle.Dir, "runc-root");
    }

    [TearDown]
    public void DeleteContainers()
    {
        if (Directory.Exists(_root))
        {
            foreach (var dir in Directory.GetDirectories(_root))
                ProcessRunner.Run(HostRequirements.FindRunc()!, ["--root", _root, "delete", "--force", Path.GetFileName(dir)]);
        }
    }

    private static ProcessResult Shim(IEnumerable<string> args, string? hookConf = null) =>
        ProcessRunner.Run(ShimBinary.Path, args, timeout: TimeSpan.FromMinutes(1),
            environment: hookConf is null ? null : new Dictionary<string, string> { ["OCI_FTRACE_HOOK_CONF"] = hookConf });

    private ProcessResult RuncItself(IEnumerable<string> args) => ProcessRunner.Run(HostRequirements.FindRunc()!, args);

    [Test]
    public void Runc_run_through_the_shim_is_traced_and_every_global_flag_reaches_runc()
    {
        Bundle.Script("cat /nonexistent 2>/dev/null; grep -c sys_openat /sys/kernel/tracing/trace").Save();
        var log = Path.Combine(Bundle.Dir, "runc-log.json");
        var id = "oft-shim-" + Guid.NewGuid().ToString("N")[..12];
        // The bundle's hook.conf (its save directory), as an engine's environment would name it.
        var run = Shim(["--root", _root, "--log", log, "--log-format", "json", "run", "--bundle", Bundle.Dir, id], Bundle.ConfigPath);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(int.Parse(run.Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThan(0), "its own openat calls, read inside");
        Assert.That(run.Stderr, Does.Not.Contain("oci-ftrace-runc"), "no warning");
        Assert.That(Bundle.SavedTraces(), Has.Length.EqualTo(1), "poststop saved the trace");
        var hooks = JsonNode.Parse(File.ReadAllText(Path.Combine(Bundle.Dir, "config.json")))!["hooks"]!;
        Assert.That((string)hooks["prestart"]![0]!["path"]!, Is.EqualTo(HookBinary.Path));
        Assert.That(Directory.Exists(_root), Is.True, "--root reached runc");
        var state = Shim(["--root", _root, "state", id]);
        Assert.That(state.Stderr, Does.Contain("does not exist"), "state passes through: " + state);
    }

    /// <summary>Before, a flag the shim did not know (runc 1.2's --pidfd-socket, or any newer one)
    /// handed an opted-in container to runc untraced, with only a warning.</summary>
    [TestCase("--future-global", "run", "unknown global flag '--future-global'")]
    [TestCase("run", "--future-flag", "unknown run flag '--future-flag'")]
    public void An_opted_in_container_behind_a_flag_the_shim_does_not_know_is_refused_not_run_untraced(string first, string second, string problem)
    {
        Bundle.Script("true").Save();
        var id = "oft-shim-" + Guid.NewGuid().ToString("N")[..12];
        var refused = Shim(["--root", _root, first, second, "--bundle", Bundle.Dir, id], Bundle.ConfigPath);
        Assert.That(refused.ExitCode, Is.Not.Zero, refused.ToString());
        Assert.That(refused.Stderr, Does.StartWith($"oci-ftrace-runc: error: {problem}: refused, as this container asks to be traced"));
        Assert.That(Directory.Exists(Path.Combine(_root, id)), Is.False, "runc never ran it");

        // A container that did not ask to be traced goes to runc as it came: runc's own error.
        Bundle.Annotate("org.ociftracehook.enabled", "false").Save();
        var handed = Shim(["--root", _root, first, second, "--bundle", Bundle.Dir, id], Bundle.ConfigPath);
        Assert.That(handed.Stderr, Does.Contain($"oci-ftrace-runc: warning: {problem}: the container is handed to").And.Contain("flag provided but not defined"));
    }

    /// <summary>runc's log line carries its time to the second: a run straddling one from the
    /// other differs only there.</summary>
    private static string WithoutTime(string stderr) => System.Text.RegularExpressions.Regex.Replace(stderr, "time=\"[^\"]*\" ", "");

    [TestCase("{\"ociVersion\": ", "is not valid JSON")]
    [TestCase("[\"not\", \"an object\"]", "is a JSON Array, not an object")]
    public void An_invalid_config_json_reaches_runc_s_own_error(string config, string warning)
    {
        var path = Path.Combine(Bundle.Dir, "config.json");
        File.WriteAllText(path, config);
        var direct = RuncItself(["--root", _root, "run", "--bundle", Bundle.Dir, "oft-shim-direct"]);
        var shimmed = Shim(["--root", _root, "run", "--bundle", Bundle.Dir, "oft-shim-direct"]);
        Assert.That(direct.ExitCode, Is.Not.Zero, direct.ToString());
        Assert.That(shimmed.ExitCode, Is.EqualTo(direct.ExitCode), shimmed.ToString());
        var lines = shimmed.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.StartWith($"oci-ftrace-runc: warning: {path} {warning}").And.EndWith("handed to /usr/sbin/runc unchanged, untraced"));
        Assert.That(WithoutTime(string.Join('\n', lines[1..]) + "\n"), Is.EqualTo(WithoutTime(direct.Stderr)), "then runc's own error, as runc gives it");
        Assert.That(File.ReadAllText(path), Is.EqualTo(config), "config.json as it was");
        Assert.That(Directory.GetFiles(Bundle.Dir, ".config.json.*"), Is.Empty, "no temporary file");
    }

    [Test]
    public void A_missing_config_json_reaches_runc_s_own_error()
    {
        File.Delete(Path.Combine(Bundle.Dir, "config.json"));
        var direct = RuncItself(["--root", _root, "create", "--bundle", Bundle.Dir, "oft-shim-missing"]);
        var shimmed = Shim(["--root", _root, "create", "--bundle", Bundle.Dir, "oft-shim-missing"]);
        Assert.That(shimmed.ExitCode, Is.EqualTo(direct.ExitCode).And.Not.Zero);
        Assert.That(shimmed.Stderr, Does.StartWith("oci-ftrace-runc: warning: cannot read "));
        Assert.That(WithoutTime(shimmed.Stderr), Does.EndWith(WithoutTime(direct.Stderr)));
    }

    [Test]
    public void The_runtime_gets_the_arguments_signals_and_descriptors_it_would_get_directly()
    {
        // A stand-in runtime that reports what it got: each argument on a line of its own, then
        // its ignored and blocked signals and its open descriptors.
        var runtime = Path.Combine(Bundle.Dir, "report-runtime");
        File.WriteAllText(runtime, "#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done\n" +
            "grep -E '^(SigIgn|SigBlk)' /proc/self/status\nls /proc/self/fd | sort -n | tr '\\n' ' '\n");
        File.SetUnixFileMode(runtime, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var conf = Path.Combine(Bundle.Dir, "hook.conf");
        File.WriteAllText(conf, $"runtime = {runtime}\n");
        string[] args = ["--root", _root, "--log-format=json", "--systemd-cgroup", "kill", "--all", "", "  spaced  ", "--", "ünïcode", "-x=1"];
        // Started as an engine (Go) starts a runtime: SIGPIPE at its default action (the test host,
        // being .NET, would hand its children SIGPIPE ignored).
        var direct = ProcessRunner.Run("/usr/bin/env", ["--default-signal=PIPE", runtime, .. args]);
        var shimmed = ProcessRunner.Run("/usr/bin/env", ["--default-signal=PIPE", $"OCI_FTRACE_HOOK_CONF={conf}", ShimBinary.Path, .. args]);
        Assert.That(shimmed.ExitCode, Is.Zero, shimmed.ToString());
        Assert.That(shimmed.Stdout, Is.EqualTo(direct.Stdout), "same arguments in the same order, same signal dispositions, same descriptors");
        Assert.That(shimmed.Stderr, Is.Empty);
    }

    [Test]
    public void A_missing_runtime_is_one_clear_line_and_runc_s_exit_status()
    {
        var conf = Path.Combine(Bundle.Dir, "hook.conf");
        File.WriteAllText(conf, "runtime = /nonexistent/runc\n");
        var result = Shim(["--root", _root, "state", "x"], conf);
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Stderr, Is.EqualTo("oci-ftrace-runc: error: cannot run the runtime: execv /nonexistent/runc: ENOENT (No such file or directory)\n"));
        var version = Shim(["--version"]);
        Assert.That(version.Stdout, Is.EqualTo(RuncItself(["--version"]).Stdout), "--version is runc's");
    }
}
