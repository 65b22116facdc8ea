using OciFtraceHook.Tables;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>The published hook on Debian's own kernels, booted under qemu: inside the guest, runc
/// runs a busybox container with the hook as prestart and poststop (tests/kernels/scenarios/
/// container-trace.sh). One boot per kernel; each test checks one promise on its results. 6.1-arm64
/// and 6.12-arm64 are Debian's arm64 kernels under qemu-system-aarch64, with arm64 runc and the hook
/// of the arm64 .deb.</summary>
[TestFixture("6.1")]
[TestFixture("6.12")]
[TestFixture("7.3")]
[TestFixture("6.1-arm64")]
[TestFixture("6.12-arm64")]
[Category("GuestKernel")]
[NonParallelizable]
public class GuestKernelTests(string kernel)
{
    private string _results = null!;
    private ProcessResult _guest = null!;

    private string Out(string file) => Path.Combine(_results, "container-trace", file);

    [OneTimeSetUp]
    public void BootAndRunTheContainer()
    {
        _results = GuestKernel.NewResultsDir(kernel);
        _guest = GuestKernel.RunScenario(kernel, "container-trace.sh", _results);
        Assert.That(_guest.ExitCode, Is.Zero, $"the {kernel} guest's scenario failed:\n{_guest}");
        Assert.That(File.ReadAllText(Out("exit")).Trim(), Is.EqualTo("0"),
            "runc run in the guest failed:\n" + File.ReadAllText(Out("stderr")));
    }

    [OneTimeTearDown]
    public void RemoveResults() => GuestKernel.RemoveResults(_results);

    private string TraceTheContainerRead()
    {
        var stdout = File.ReadAllText(Out("stdout"));
        var at = stdout.IndexOf("--- trace ---\n", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), stdout);
        return stdout[at..];
    }

    [Test]
    public void The_container_reads_its_own_syscalls_from_its_first_exec()
    {
        var lines = TraceLine.Parse(TraceTheContainerRead());

        Assert.That(lines, Is.Not.Empty);
        Assert.That(lines[0].Event + lines[0].Body, Is.EqualTo("sys_execve -> 0x0"), "the trace starts at the exec of the container's program");
        Assert.That(lines.Any(l => l.Comm == "cat" && l.Event == "sys_openat" && l.Body == " -> 0x3"), Is.True, "cat opened /etc/probe.txt as fd 3");
        Assert.That(lines.Any(l => l.Event == "tracing_mark_write" && l.Body.Contains("MARK-guest")), Is.True, "its trace_marker line is there");
        var runtimeCalls = lines.Where(l => l.Event is "sys_pivot_root" or "sys_mount" or "sys_umount" or "sys_sethostname").ToList();
        Assert.That(runtimeCalls, Is.Empty, "none of the runtime's setup is in the trace");
        var pids = lines.Select(l => l.Pid).Distinct().ToList();
        Assert.That(pids, Has.Count.EqualTo(1 + TraceLine.ChildrenCreated(lines)), "every PID in the trace is the init or a process it created");
    }

    [Test]
    public void The_container_sees_three_read_only_files()
    {
        var stdout = File.ReadAllText(Out("stdout"));
        var before = stdout[..stdout.IndexOf("--- trace ---", StringComparison.Ordinal)].Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(before, Is.EqualTo(new[]
        {
            "trace", "trace_marker", "trace_pipe",
            "REFUSED trace", "REFUSED tracing_on", "REFUSED set_event_pid", "REFUSED buffer_size_kb", "NOCREATE",
        }));
    }

    [Test]
    public void Poststop_saves_a_trace_that_decodes_and_gc_removes_the_instance()
    {
        var saved = Directory.GetFiles(Path.Combine(_results, "container-trace"), "*.dat");
        Assert.That(saved, Has.Length.EqualTo(1), "poststop saved one trace");
        Assert.That(SavedTraceText.IsTraceDat(saved[0]), "saved as a trace.dat");
        Assert.That(SavedTraceText.ContainerId(saved[0]), Does.StartWith("guest-trace"));

        var shown = HookProcess.Run("", "show", "--file", saved[0]);
        Assert.That(shown.ExitCode, Is.Zero, shown.ToString());
        Assert.That(shown.Stdout, Does.Contain("execve"), shown.ToString());
        Assert.That(shown.Stdout, Does.Contain("MARK-guest"), shown.ToString());
        // 6.1 and 6.12 print AT_FDCWD as ffffff9c (hex without "0x"), 7.3 as 4294967196 (openat's
        // own form from 6.19): each read as its kernel prints it.
        Assert.That(shown.Stdout, Does.Contain("openat(AT_FDCWD, "), shown.ToString());
        Assert.That(SavedTraceText.Metadata(saved[0])?.KernelRelease, Does.StartWith(GuestKernel.Version(kernel) + "."), "the hook's option names the kernel");
        Assert.That(SavedTraceText.Metadata(saved[0])?.Arch, Is.EqualTo(TraceArchNames.Name(GuestKernel.Arch(kernel))), "and its architecture");

        Assert.That(File.ReadAllText(Out("instances-after")).Trim(), Is.Empty, "the instance was removed in the guest");
    }
}
