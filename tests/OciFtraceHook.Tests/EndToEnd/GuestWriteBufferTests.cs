using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Bytes of syscall buffers on a kernel that copies them (6.19 and later; Debian's 7.3
/// under qemu): tests/kernels/scenarios/write-buffers.sh runs a busybox container that writes a
/// secret to a file, by default, with org.ociftracehook.write-buffers=on and with 12 bytes, and the
/// path scenarios' workload under strace -f with the kernel's own strings.</summary>
[TestFixture("7.3")]
[Category("GuestKernel")]
[NonParallelizable]
public class GuestWriteBufferTests(string kernel)
{
    private const string Secret = "SECRET-42-7f3a9c";
    private string _results = null!;

    private string Part(string part, string file) => Path.Combine(_results, part, file);

    private string OwnTrace(string part)
    {
        Assert.That(File.ReadAllText(Part(part, "exit")).Trim(), Is.EqualTo("0"), File.ReadAllText(Part(part, "stderr")));
        var stdout = File.ReadAllText(Part(part, "stdout"));
        var at = stdout.IndexOf("--- own trace ---\n", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), stdout);
        return stdout[at..];
    }

    private string SavedTrace(string part) => GuestKernel.SavedTrace(Path.Combine(_results, part));

    private static string Show(string trace)
    {
        var shown = HookProcess.Run("", "show", "--file", trace);
        Assert.That(shown.ExitCode, Is.Zero, shown.ToString());
        return shown.Stdout;
    }

    [OneTimeSetUp]
    public void BootAndRunTheContainers()
    {
        _results = GuestKernel.NewResultsDir($"buffers-{kernel}");
        var guest = GuestKernel.RunScenario(kernel, "write-buffers.sh", _results);
        Assert.That(guest.ExitCode, Is.Zero, $"the {kernel} guest's scenario failed:\n{guest}");
    }

    [OneTimeTearDown]
    public void RemoveResults() => GuestKernel.RemoveResults(_results);

    [Test]
    public void By_default_a_secret_written_is_not_in_the_trace_and_paths_come_from_probes()
    {
        var own = OwnTrace("default");
        Assert.That(own, Does.Match(@"sys_write\(fd: 1, buf: 0x[0-9a-f]+ \(, \.\.\.\), count: 0x11\)"), "the write is there, without its bytes");
        Assert.That(own, Does.Not.Contain("SECRET-"));
        Assert.That(own, Does.Not.Contain("53:45:43:52:45:54"), "nor its bytes in hex");
        Assert.That(own, Does.Match(@"openat: \([^)]*sys_openat[^)]*\) a1=""/nonexistent-file"""), "the probe gives the path");

        var saved = SavedTrace("default");
        Assert.That(File.ReadAllText(saved), Does.Not.Contain("SECRET-"));
        Assert.That(SavedTraceText.IsTraceDat(saved), "saved as a trace.dat");
        Assert.That(SavedTraceNotes.PathsLine(saved), Is.EqualTo("# oci-ftrace-hook: paths: kprobes+getname"));
        var shown = Show(saved);
        Assert.That(shown, Does.Match(@"write\(1, 0x[0-9a-f]+, 17\) = 17"));
        Assert.That(shown, Does.Contain("openat(AT_FDCWD, \"/nonexistent-file\", O_RDONLY) = -1 ENOENT (No such file or directory)"));
        Assert.That(shown, Does.Not.Contain("SECRET-").And.Not.Contain("\"\""), "no empty string stands for a path the kernel did not copy");
    }

    [Test]
    public void Asked_for_the_secret_is_there_with_the_kernels_own_paths_and_no_probe()
    {
        var own = OwnTrace("on");
        Assert.That(own, Does.Contain($"\"{Secret}.\", count: 0x11)"));
        Assert.That(own, Does.Contain("filename: ").And.Contain(" \"/nonexistent-file\", flags: O_RDONLY)"));
        Assert.That(own, Does.Not.Contain("openat: ("), "no probe line: the kernel prints the path");

        var saved = SavedTrace("on");
        Assert.That(SavedTraceText.IsTraceDat(saved), "saved as a trace.dat, with the kernel's strings in its records");
        Assert.That(SavedTraceNotes.PathsLine(saved), Is.EqualTo("# oci-ftrace-hook: paths: kernel"));
        var shown = Show(saved);
        Assert.That(shown, Does.Contain($"write(1, \"{Secret}\\n\", 17) = 17"));
        Assert.That(shown, Does.Contain("openat(AT_FDCWD, \"/nonexistent-file\", O_RDONLY) = -1 ENOENT (No such file or directory)"));
        Assert.That(File.ReadAllLines(Part("on", "dynamic-events-after")).Where(l => l.Length > 0), Is.Empty, "no probe was defined");
    }

    [Test]
    public void A_number_of_bytes_cuts_buffers_and_strings_there()
    {
        var shown = Show(SavedTrace("bytes"));
        Assert.That(shown, Does.Contain($"write(1, \"{Secret[..12]}\"..., 17) = 17"));
        Assert.That(File.ReadAllText(SavedTrace("bytes")), Does.Not.Contain(Secret[..13]));
        Assert.That(shown, Does.Contain("openat(AT_FDCWD, \"/nonexistent\"..., O_RDONLY) = -1 ENOENT"));
    }

    [Test]
    public void With_the_kernels_own_strings_show_agrees_with_strace_on_the_same_run()
    {
        Assert.That(File.ReadAllText(Part("strace", "exit")).Trim(), Is.EqualTo("0"), File.ReadAllText(Part("strace", "stderr")));
        var saved = SavedTrace("strace");
        Assert.That(SavedTraceText.IsTraceDat(saved), "saved as a trace.dat, with the kernel's strings in its records");
        Assert.That(SavedTraceNotes.PathsLine(saved), Is.EqualTo("# oci-ftrace-hook: paths: kernel"));
        StraceComparison.AssertAgree(kernel, Show(saved), File.ReadLines(Part("strace", "strace.txt")));
    }

    [Test]
    public void Show_of_the_running_container_joins_the_probes_path_and_keeps_the_secret_out()
    {
        Assert.That(File.ReadAllText(Part("live", "exit")).Trim(), Is.EqualTo("0"), File.ReadAllText(Part("live", "stderr")));
        var shown = File.ReadAllText(Part("live", "show"));
        // A running container's trace is read as text: show says once that the container could shape it.
        Assert.That(File.ReadAllText(Part("live", "show-stderr")).Trim(), Is.EqualTo("oci-ftrace-hook: " + OciFtraceHook.Decoding.TraceDecoder.TextNote));
        Assert.That(shown, Does.Contain("openat(AT_FDCWD, \"/nonexistent-file\", O_RDONLY) = -1 ENOENT (No such file or directory)"));
        Assert.That(shown, Does.Match(@"write\(1, 0x[0-9a-f]+, 17\) = 17"));
        Assert.That(shown, Does.Not.Contain("SECRET-").And.Not.Contain("\"\""));
    }

    [Test]
    public void No_global_tracing_setting_is_changed()
    {
        var before = File.ReadAllText(Path.Combine(_results, "top-level-before")).Trim();
        Assert.That(before, Is.EqualTo("63"), "the kernel's default");
        Assert.That(File.ReadAllText(Path.Combine(_results, "top-level-after")).Trim(), Is.EqualTo(before));
    }
}
