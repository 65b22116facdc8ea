using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Paths on this host's kernel: where it has neither kprobes nor event probes, the container
/// is traced with addresses, its saved trace says why, `show` says it once, and no dynamic event of
/// the hook's group is left. (Kernels with probes are tested in guests: GuestPathTests.)</summary>
[Category("EndToEnd")]
public class HostPathTests : OneBundleTests
{
    [SetUp]
    public void CreateBundle()
    {
        HostRequirements.RequireRuncAndTraceFs();
        if (File.Exists(Path.Combine(TestHost.TraceFsRoot, "kprobe_events")))
            Assert.Ignore("end-to-end test skipped: this kernel has kprobes, so it records paths (GuestPathTests cover that)");
        Bundle = BusyboxBundle.Create("host-paths").WithHook(HookBinary.Path);
    }

    private static string[] OurDynamicEvents()
    {
        var file = Path.Combine(TestHost.TraceFsRoot, "dynamic_events");
        return File.Exists(file) ? File.ReadAllLines(file).Where(l => l.Contains($":{PathProbes.Group}/", StringComparison.Ordinal)).ToArray() : [];
    }

    [Test]
    public void Without_probes_the_trace_keeps_addresses_and_show_says_why_once()
    {
        var result = Runc.Run(Bundle.Script("cat /nonexistent-file 2>/dev/null; true"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var saved = Bundle.SavedTraces().Single();
        Assert.That(SavedTraceNotes.PathsLine(saved), Does.StartWith("# oci-ftrace-hook: paths: none: this kernel"));

        var shown = HookProcess.Run("", "show", "--file", saved);
        Assert.That(shown.ExitCode, Is.Zero, shown.ToString());
        Assert.That(shown.Stdout, Does.Match(@"openat\(AT_FDCWD, 0x[0-9a-f]+, O_RDONLY\) = -1 ENOENT"));
        var notes = shown.Stderr.Split('\n').Where(l => l.Contains("paths are shown as addresses: this kernel", StringComparison.Ordinal)).ToList();
        Assert.That(notes, Has.Count.EqualTo(1), shown.Stderr);
        Assert.That(OurDynamicEvents(), Is.Empty);
    }

    [Test]
    public void A_kernel_that_refused_the_probe_syntax_is_not_asked_again_in_this_boot()
    {
        var memo = PathProbes.LockPath + PathProbes.RefusalSuffix;
        File.Delete(memo);
        var first = Runc.Run(Bundle.Script("true"));
        Assert.That(first.ExitCode, Is.Zero, first.ToString());
        var firstLine = SavedTraceNotes.PathsLine(Bundle.SavedTraces().Single()) ?? "";
        if (!firstLine.Contains("refused an event probe", StringComparison.Ordinal))
            Assert.Ignore($"end-to-end test skipped: this kernel does not list event probes and then refuse them ({firstLine})");
        var lines = File.ReadAllLines(memo);
        Assert.That(lines[0], Is.EqualTo(File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim()), "the memo names this boot");

        var second = Runc.Run(Bundle.Script("true"));
        Assert.That(second.ExitCode, Is.Zero, second.ToString());
        var secondLine = SavedTraceNotes.PathsLine(Bundle.SavedTraces().OrderBy(File.GetLastWriteTimeUtc).Last()) ?? "";
        Assert.That(secondLine, Is.EqualTo(firstLine), "the second start reports the refusal it remembered");
        Assert.That(OurDynamicEvents(), Is.Empty);
    }

    [Test]
    public void Asking_for_paths_explicitly_on_such_a_kernel_refuses_the_container_in_one_line()
    {
        var result = Runc.Run(Bundle.Annotate("org.ociftracehook.paths", "on").Script("true"));
        Assert.That(result.ExitCode, Is.Not.Zero, "paths=on cannot be had here");
        Assert.That(result.Stderr, Does.Contain("annotation org.ociftracehook.paths=on: this kernel"));
        Assert.That(OurDynamicEvents(), Is.Empty);
    }
}
