using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>File paths as strings on kernels that allow probes (Debian's 6.1, 6.12 and 7.3 under qemu,
/// and the arm64 6.1, whose probes name arm64's entry functions and registers):
/// tests/kernels/scenarios/paths.sh runs busybox containers with the hook in the guest (paths auto,
/// under strace -f, two at once, off, against a conflicting definition, after a killed hook, with a
/// read-only dynamic_events); on 7.3 the paths come from probes too, since by default the instance
/// lets the kernel copy no user memory (see GuestWriteBufferTests); each
/// test checks one promise on what it left.</summary>
[TestFixture("6.1")]
[TestFixture("6.12")]
[TestFixture("7.3")]
[TestFixture("6.1-arm64")]
[Category("GuestKernel")]
[NonParallelizable]
public class GuestPathTests(string kernel)
{
    private const string OtherGroup = "e:othergroup/openat syscalls.sys_enter_openat f=+0($filename):ustring";
    private string _results = null!;

    private string Part(string part, string file) => Path.Combine(_results, part, file);

    private string SavedTrace(string part) => GuestKernel.SavedTrace(Path.Combine(_results, part));

    private static ProcessResult Show(string trace, params string[] options) =>
        HookProcess.Run("", ["show", "--file", trace, .. options]);

    private string[] DynamicEventsAfter(string part) =>
        File.ReadAllLines(Part(part, "dynamic-events-after")).Where(l => l.Length > 0).ToArray();

    [OneTimeSetUp]
    public void BootAndRunTheContainers()
    {
        _results = GuestKernel.NewResultsDir($"paths-{kernel}");
        var guest = GuestKernel.RunScenario(kernel, "paths.sh", _results);
        Assert.That(guest.ExitCode, Is.Zero, $"the {kernel} guest's scenario failed:\n{guest}");
    }

    [OneTimeTearDown]
    public void RemoveResults() => GuestKernel.RemoveResults(_results);

    [Test]
    public void A_failing_opens_path_is_in_show_and_in_the_containers_own_trace()
    {
        Assert.That(File.ReadAllText(Part("auto", "exit")).Trim(), Is.EqualTo("0"), File.ReadAllText(Part("auto", "stderr")));
        var own = File.ReadAllText(Part("auto", "stdout"));
        Assert.That(own, Does.Match(@"openat: \([^)]*sys_openat[^)]*\) a1=""/nonexistent-file"""), "the probe's line in the container's own trace");

        var shown = Show(SavedTrace("auto"));
        Assert.That(shown.ExitCode, Is.Zero, shown.ToString());
        Assert.That(shown.Stdout, Does.Match(@"openat\(AT_FDCWD, ""/nonexistent-file"", O_RDONLY\) = -1 ENOENT \(No such file or directory\)"));
        // arm64 has no rename(2): glibc calls renameat there.
        var rename = GuestKernel.IsArm64(kernel)
            ? "renameat(AT_FDCWD, \"/tmp/d\", AT_FDCWD, \"/tmp/e \\\"quoted\\\"\") = 0"
            : "rename(\"/tmp/d\", \"/tmp/e \\\"quoted\\\"\") = 0";
        Assert.That(shown.Stdout, Does.Contain(rename), "two paths, escaped as strace does");
        Assert.That(shown.Stderr, Does.Not.Contain("paths are shown as addresses"));
        Assert.That(SavedTraceText.IsTraceDat(SavedTrace("auto")), "saved as a trace.dat, with the probes' events in it");
        Assert.That(SavedTraceNotes.PathsLine(SavedTrace("auto")), Is.EqualTo("# oci-ftrace-hook: paths: kprobes+getname"),
            "the trace says where its paths came from: entry probes and the kernel's own copies");
    }

    [Test]
    public void Show_agrees_with_strace_on_the_same_run()
    {
        Assert.That(File.ReadAllText(Part("strace", "exit")).Trim(), Is.EqualTo("0"), File.ReadAllText(Part("strace", "stderr")));
        var shown = Show(SavedTrace("strace"));
        Assert.That(shown.ExitCode, Is.Zero, shown.ToString());
        StraceComparison.AssertAgree(kernel, shown.Stdout, File.ReadLines(Part("strace", "strace.txt")), kernelCopies: true);
    }

    [Test]
    public void Odd_paths_are_shown_as_strace_shows_them_from_the_kernels_copies()
    {
        var shown = Show(SavedTrace("odd"));
        Assert.That(shown.ExitCode, Is.Zero, shown.ToString());
        var opens = shown.Stdout.Split('\n').Where(l => l.Contains(" openat(AT_FDCWD, \"/tmp/", StringComparison.Ordinal)).ToList();
        Assert.That(opens, Has.Some.Contains("openat(AT_FDCWD, \"/tmp/new\\nline\", O_RDONLY) = -1 ENOENT"));
        Assert.That(opens, Has.Some.Contains("openat(AT_FDCWD, \"/tmp/bad\\377\\1utf8\", O_RDONLY) = -1 ENOENT"), "the bytes as they were");
        Assert.That(opens, Has.Some.Contains("openat(AT_FDCWD, \"/tmp/quote\\\"and\\\\back\", O_RDONLY) = -1 ENOENT"));
        var longPath = "/tmp" + string.Concat(Enumerable.Repeat("/" + new string('a', 180), 20));
        Assert.That(opens, Has.Some.Contains($"openat(AT_FDCWD, \"{longPath}\", O_RDONLY) = -1 ENOENT"), "3,764 bytes, whole");
        Assert.That(shown.Stdout, Does.Not.Contain("(fault)"));
    }

    [Test]
    public void Two_containers_starting_at_once_both_get_paths_and_nothing_is_left()
    {
        foreach (var part in new[] { "twin1", "twin2" })
        {
            Assert.That(File.ReadAllText(Part(part, "stdout")), Does.Contain("a1=\"/nonexistent-file\""), $"{part}: its own trace has the path");
            Assert.That(File.ReadAllText(Part(part, "exit")).Trim(), Is.EqualTo("0"));
        }
        Assert.That(DynamicEventsAfter("twin2"), Is.EqualTo(new[] { OtherGroup }), "only the other group's definition is left");
    }

    [Test]
    public void With_paths_off_nothing_is_defined_and_show_says_why_once()
    {
        Assert.That(File.ReadAllText(Part("off", "stdout")), Does.Not.Contain("a1="));
        var shown = Show(SavedTrace("off"));
        Assert.That(shown.Stdout, Does.Contain("openat(AT_FDCWD, 0x"), "addresses stay");
        Assert.That(shown.Stderr.Split('\n').Count(l => l.Contains("paths are shown as addresses: recording them was turned off", StringComparison.Ordinal)), Is.EqualTo(1),
            shown.Stderr);
        Assert.That(DynamicEventsAfter("off"), Is.EqualTo(new[] { OtherGroup }));
    }

    [Test]
    public void A_conflicting_definition_refuses_paths_on_and_leaves_auto_without_paths()
    {
        Assert.That(File.ReadAllText(Part("conflict-on", "exit")).Trim(), Is.Not.EqualTo("0"), "paths=on: the container is refused");
        var refusal = File.ReadAllText(Part("conflict-on", "stderr"));
        Assert.That(refusal, Does.Contain("paths=on: dynamic event ociftracehook/openat exists with another definition"));

        var header = SavedTraceNotes.PathsLine(SavedTrace("conflict-auto"));
        Assert.That(header, Does.StartWith("# oci-ftrace-hook: paths: none: dynamic event ociftracehook/openat exists with another definition"));
        Assert.That(File.ReadAllText(Part("conflict-auto", "stdout")), Does.Contain("--- own trace ---"), "auto: the container ran, traced");
        Assert.That(DynamicEventsAfter("conflict-auto"), Is.EqualTo(new[] { OtherGroup }));
    }

    [Test]
    public void A_read_only_dynamic_events_leaves_auto_traced_without_paths_and_refuses_paths_on()
    {
        // Its last command, a grep for the path in its own trace, finds nothing: the container exits 1.
        Assert.That(File.ReadAllText(Part("readonly-auto", "stdout")), Does.Contain("--- own trace ---").And.Not.Contain("a1="),
            "auto: the container ran, traced, without paths: " + File.ReadAllText(Part("readonly-auto", "stderr")));
        var header = SavedTraceNotes.PathsLine(SavedTrace("readonly-auto"));
        Assert.That(header, Does.StartWith("# oci-ftrace-hook: paths: none: cannot define the path probe ociftracehook/")
            .And.Contain("Read-only file system"));
        var shown = Show(SavedTrace("readonly-auto"));
        Assert.That(shown.Stderr.Split('\n').Count(l => l.Contains("Read-only file system", StringComparison.Ordinal)), Is.EqualTo(1),
            "show says why once: " + shown.Stderr);
        Assert.That(shown.Stdout, Does.Contain("openat(AT_FDCWD, 0x"), "addresses stay");

        Assert.That(File.ReadAllText(Part("readonly-on", "exit")).Trim(), Is.Not.EqualTo("0"), "paths=on: the container is refused");
        Assert.That(File.ReadAllText(Part("readonly-on", "stderr")), Does.Contain("paths=on: cannot define the path probe").And.Contain("Read-only file system"));
        Assert.That(DynamicEventsAfter("readonly-on"), Is.EqualTo(new[] { OtherGroup }), "nothing was defined");
    }

    [Test]
    public void Gc_removes_definitions_a_killed_hook_left_and_never_touches_other_groups()
    {
        var before = File.ReadAllLines(Part("killed", "dynamic-events-before"));
        Assert.That(before, Has.Some.StartWith("p:ociftracehook/mkdir").And.Some.StartWith("e:ociftracehook/unlink"));
        Assert.That(DynamicEventsAfter("killed"), Is.EqualTo(new[] { OtherGroup }));
        Assert.That(DynamicEventsAfter("auto"), Is.EqualTo(new[] { OtherGroup }), "after a container and gc, too");
    }
}
