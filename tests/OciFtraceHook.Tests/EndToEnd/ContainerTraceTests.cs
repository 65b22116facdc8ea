using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>A runc container with the published hook as prestart and poststop reads its own
/// syscall trace, only its own, from its first exec, and its trace is saved when it ends.</summary>
[Category("EndToEnd")]
public class ContainerTraceTests : OneBundleTests
{
    private const string Tracing = "/sys/kernel/tracing";

    [SetUp]
    public void CreateBundle()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create(TestContext.CurrentContext.Test.MethodName!).WithHook(HookBinary.Path);
    }

    [Test]
    public void The_container_reads_its_own_syscalls_from_its_first_exec()
    {
        // A busy host process runs alongside: none of its events may reach the container's trace.
        using var noise = System.Diagnostics.Process.Start(HostRequirements.BusyboxPath, "dd if=/dev/zero of=/dev/null bs=1");
        ProcessResult result;
        try
        {
            // The init reads its trace itself (exec): a forked reader's open, which pauses the
            // recording, could come before the shell's clone returned, leaving the child uncounted.
            result = Runc.Run(Bundle.Script($"cat /etc/probe.txt >/dev/null; echo MARK-own > {Tracing}/trace_marker; exec cat {Tracing}/trace"));
        }
        finally
        {
            noise.Kill();
        }
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var lines = TraceLine.Parse(result.Stdout);

        Assert.That(lines, Is.Not.Empty, result.ToString());
        Assert.That(lines[0].Event + lines[0].Body, Is.EqualTo("sys_execve -> 0x0"), "the trace starts at the exec of the container's program");
        var catOpens = lines.Where(l => l.Comm == "cat" && l.Event == "sys_openat").ToList();
        Assert.That(catOpens.Any(l => l.IsExit && l.Body == " -> 0x3"), Is.True, "cat opened a file and got fd 3:\n" + result.Stdout);
        Assert.That(lines.Any(l => l.Event == "tracing_mark_write" && l.Body.Contains("MARK-own")), Is.True, "its trace_marker line is there");
        var runtimeCalls = lines.Where(l => l.Event is "sys_pivot_root" or "sys_mount" or "sys_umount" or "sys_sethostname").ToList();
        Assert.That(runtimeCalls, Is.Empty, "none of the runtime's setup is in the trace");
        var pids = lines.Select(l => l.Pid).Distinct().ToList();
        Assert.That(pids, Does.Not.Contain(noise.Id), "the host's busy process is not traced");
        Assert.That(pids, Has.Count.EqualTo(1 + TraceLine.ChildrenCreated(lines)),
            "every PID in the trace is the init or a process it created");
        Assert.That(pids, Has.Count.GreaterThanOrEqualTo(2), "the shell and its child cat were traced");
    }

    [Test]
    public void The_container_sees_three_files_and_cannot_change_tracing()
    {
        var result = Runc.Run(Bundle.Script(
            $"ls {Tracing}; " +
            $"for f in trace tracing_on set_event_pid buffer_size_kb events/enable; do " +
            $"  if echo 0 2>/dev/null > {Tracing}/$f; then echo WROTE $f; else echo REFUSED $f; fi; done; " +
            $"if touch {Tracing}/new 2>/dev/null; then echo CREATED; else echo NOCREATE; fi; " +
            $"if mount -o remount,rw,bind {Tracing}/trace 2>/dev/null; then echo REMOUNTED; else echo NOREMOUNT; fi"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var output = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(output.Take(3), Is.EqualTo(new[] { "trace", "trace_marker", "trace_pipe" }));
        Assert.That(output.Skip(3), Is.EqualTo(new[]
        {
            "REFUSED trace", "REFUSED tracing_on", "REFUSED set_event_pid", "REFUSED buffer_size_kb", "REFUSED events/enable",
            "NOCREATE", "NOREMOUNT",
        }), result.ToString());
    }

    [Test]
    public void Poststop_saves_the_trace_and_removes_the_instance()
    {
        var result = Runc.Run(Bundle.Script($"cat /etc/probe.txt; echo MARK-saved > {Tracing}/trace_marker"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());

        var saved = Bundle.SavedTraces();
        Assert.That(saved, Has.Length.EqualTo(1), "one saved trace in the save directory");
        var text = SavedTraceText.Read(saved[0]);
        Assert.That(SavedTraceText.ContainerId(saved[0]), Is.Not.Empty, "the trace names its container");
        var lines = TraceLine.Parse(text);
        Assert.That(lines.Any(l => l.Comm == "cat" && l.Event == "sys_openat"), Is.True, text);
        Assert.That(lines.Any(l => l.Event == "tracing_mark_write" && l.Body.Contains("MARK-saved")), Is.True, text);
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "the instance is removed after saving");
    }

    [Test]
    public void A_non_root_container_user_owns_and_reads_its_trace()
    {
        var result = Runc.Run(Bundle.User(1000, 1000).Script($"id -u; stat -c '%n %u:%g' {Tracing}/trace {Tracing}/trace_pipe {Tracing}/trace_marker; " +
                                                              $"echo MARK-user > {Tracing}/trace_marker && grep -c MARK-user {Tracing}/trace"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[]
        {
            "1000", $"{Tracing}/trace 1000:1000", $"{Tracing}/trace_pipe 1000:1000", $"{Tracing}/trace_marker 1000:1000", "1",
        }));
    }

    [Test]
    public void Including_runtime_setup_records_runc_init_before_the_exec()
    {
        Bundle.Annotate(HookSettings.IncludeRuntimeSetupKey, "true");
        var result = Runc.Run(Bundle.Script("true"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var lines = TraceLine.Parse(SavedTraceText.Read(Bundle.SavedTraces().Single()));
        var pivot = lines.FindIndex(l => l.Event == "sys_pivot_root");
        var exec = lines.FindIndex(l => l.Event == "sys_execve" && l.IsExit);
        Assert.That(pivot, Is.GreaterThanOrEqualTo(0), "runc init's pivot_root is recorded");
        Assert.That(exec, Is.GreaterThan(pivot), "and it comes before the program's exec");
    }

    [Test]
    public void A_syscall_list_records_only_those_calls()
    {
        Bundle.Annotate(HookSettings.SyscallsKey, "openat,close");
        var result = Runc.Run(Bundle.Script("cat /etc/probe.txt"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var events = TraceLine.Parse(SavedTraceText.Read(Bundle.SavedTraces().Single())).Select(l => l.Event).Distinct();
        Assert.That(events, Is.EquivalentTo(new[] { "sys_openat", "sys_close" }));
    }

    [Test]
    public void Another_mount_path_shows_the_files_there()
    {
        Bundle.Annotate(HookSettings.MountPathKey, "/debug/ftrace");
        var result = Runc.Run(Bundle.Script("ls /debug/ftrace; grep -c sys_ /debug/ftrace/trace"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var output = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(output.Take(3), Is.EqualTo(new[] { "trace", "trace_marker", "trace_pipe" }));
        Assert.That(int.Parse(output[3]), Is.GreaterThan(0));
    }

    [Test]
    public void Disabled_by_annotation_the_container_runs_untraced()
    {
        Bundle.Annotate(HookSettings.EnabledKey, "false");
        var result = Runc.Run(Bundle.Script($"ls {Tracing} | wc -l; echo ran"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Is.EqualTo("0\nran\n"), "the container's sysfs tracing directory stays empty");
        Assert.That(Bundle.SavedTraces(), Is.Empty);
    }

    [TestCase(HookSettings.BufferSizeKey, "0", "annotation org.ociftracehook.buffer-size-kb=0: expected a whole number")]
    [TestCase(HookSettings.SaveDirKey, "/etc", "annotation org.ociftracehook.save-dir=/etc: refused: not a save directory hook.conf allows")]
    [TestCase(HookSettings.MountPathKey, "/sys/../../etc", "'..' path components are not allowed")]
    [TestCase(HookSettings.SyscallsKey, "openat,nosuchcall", "no syscall event for nosuchcall")]
    public void A_bad_setting_stops_the_container_with_one_clear_line(string key, string value, string message)
    {
        Bundle.Annotate(key, value);
        var result = Runc.Run(Bundle.Script("echo PROGRAM-RAN"));
        Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
        Assert.That(result.Stdout, Does.Not.Contain("PROGRAM-RAN"));
        Assert.That(result.Stderr, Does.Contain("oci-ftrace-hook: error: prestart failed for container").And.Contain(message));
        Assert.That(Bundle.SavedTraces(), Is.Empty);
    }
}
