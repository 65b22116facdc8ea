using System.Text.RegularExpressions;
using OciFtraceHook.Decoding;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>The saved trace on the kernels people run (Debian's 6.1, 6.12 and 7.3 under qemu, all
/// with probes for paths): a trace.dat that trace-cmd opens with the paths, whatever a hostile
/// container writes into its trace (tests/kernels/scenarios/tracedat.sh: a marker holding lines
/// shaped like a kexec_load call, a lost-events header and a lost-events line). Its text view, which
/// the container read of itself, shows the forgery works on text; and up to that marker both
/// decoders show the same calls.</summary>
[TestFixture("6.1")]
[TestFixture("6.12")]
[TestFixture("7.3")]
[TestFixture("6.1-arm64")]
[Category("GuestKernel")]
[NonParallelizable]
public class GuestTraceDatTests(string kernel)
{
    private const string Forged = "kexec_load";
    private static readonly Regex ForgedCall = new($@"(?m)^[\d.]+ \d+ {Forged}\(", RegexOptions.CultureInvariant);
    private string _results = null!;

    private string Part(string file) => Path.Combine(_results, "forge", file);

    private string Saved() => GuestKernel.SavedTrace(Path.Combine(_results, "forge"));

    [OneTimeSetUp]
    public void BootAndRunTheContainer()
    {
        _results = GuestKernel.NewResultsDir($"tracedat-{kernel}");
        var guest = GuestKernel.RunScenario(kernel, "tracedat.sh", _results);
        Assert.That(guest.ExitCode, Is.Zero, $"the {kernel} guest's scenario failed:\n{guest}");
        Assert.That(File.ReadAllText(Part("exit")).Trim(), Is.EqualTo("0"), File.ReadAllText(Part("stderr")));
    }

    [OneTimeTearDown]
    public void RemoveResults() => GuestKernel.RemoveResults(_results);

    [Test]
    public void The_saved_trace_is_a_trace_dat_that_trace_cmd_and_show_open_with_the_failed_opens_path()
    {
        var saved = Saved();
        Assert.That(SavedTraceText.IsTraceDat(saved), "a trace.dat, not text");
        Assert.That(SavedTraceText.Metadata(saved)?.Paths, Is.EqualTo("kprobes+getname"));
        Assert.That(File.ReadAllText(Part("instances-after")).Trim(), Is.Empty, "the instance was removed in the guest");

        if (HostRequirements.Which("trace-cmd") is null) Assert.Ignore("end-to-end test skipped: trace-cmd is not installed");
        var report = ProcessRunner.Run("trace-cmd", ["report", "-i", saved]);
        Assert.That(report.ExitCode, Is.Zero, report.ToString());
        Assert.That(report.Stdout, Does.Match(@"openat:\s+\([0-9a-f]+\) a1=""/nonexistent-file"""), "trace-cmd shows the probe's path");
        Assert.That(report.Stdout, Does.Contain("MARK-after"));

        var shown = HookProcess.Succeeds("show", "--file", saved);
        Assert.That(shown.Stdout, Does.Contain("openat(AT_FDCWD, \"/nonexistent-file\", O_RDONLY) = -1 ENOENT (No such file or directory)"));
        Assert.That(shown.Stderr, Is.Empty, "nothing to warn of: binary records, with paths");
    }

    [Test]
    public void No_byte_the_container_wrote_becomes_an_event_a_header_or_a_lost_count_in_any_output()
    {
        var saved = Saved();
        var shown = HookProcess.Succeeds("show", "--file", saved).Stdout;
        Assert.That(shown, Does.Not.Match(ForgedCall));
        Assert.That(shown, Does.Contain("--- trace_marker: x\\n"), "the marker is there, as one marker, escaped");
        Assert.That(shown, Does.Contain("--- trace_marker: MARK-after ---"));

        var summary = HookProcess.Succeeds("show", "--file", saved, "--summary").Stdout;
        Assert.That(summary, Does.Not.Contain(Forged).And.Contain("lost events: 0"));
        Assert.That(summary, Does.Not.Contain("LOST"));

        var json = HookProcess.Succeeds("show", "--file", saved, "--format", "json").Stdout;
        Assert.That(json, Does.Not.Contain($"\"syscall\":\"{Forged}\"").And.Not.Contain("\"kind\":\"lost\""));
        var chrome = HookProcess.Succeeds("show", "--file", saved, "--format", "chrome").Stdout;
        Assert.That(chrome, Does.Not.Match($"\"name\":\\s*\"{Forged}\""));

        var profile = HookProcess.Succeeds("seccomp", "--file", saved);
        Assert.That(profile.Stdout, Does.Not.Contain($"\"{Forged}\"").And.Contain("\"openat\""));
        Assert.That(profile.Stderr, Does.Not.Contain("lost"));
    }

    [Test]
    public void The_same_bytes_forge_a_call_in_the_text_the_container_read_of_itself()
    {
        var text = OwnText();
        var writer = new StringWriter { NewLine = "\n" };
        var decoder = new TraceDecoder(new DecodeOptions { Arch = GuestKernel.Arch(kernel) }, writer);
        decoder.Run(new StringReader(text));
        Assert.That(writer.ToString(), Does.Match(ForgedCall), "on this kernel, text can be shaped: the reason for the trace.dat");
        Assert.That(decoder.Notes, Does.Contain(TraceDecoder.TextNote), "and a text trace says so");
    }

    [Test]
    public void Up_to_the_shaped_marker_both_decoders_show_the_same_calls_with_paths()
    {
        var saved = Saved();
        var binary = HookProcess.Succeeds("show", "--file", saved).Stdout.Split('\n');
        var writer = new StringWriter { NewLine = "\n" };
        new TraceDecoder(new DecodeOptions { Arch = GuestKernel.Arch(kernel) }, writer).Run(new StringReader(OwnText()));
        var text = writer.ToString().Split('\n');

        static string[] Before(string[] lines) => lines.TakeWhile(l => !l.Contains("--- trace_marker: x", StringComparison.Ordinal)).ToArray();
        var fromText = Before(text);
        Assert.That(fromText, Has.Length.GreaterThan(20));
        Assert.That(fromText, Has.Some.Contains("\"/nonexistent-file\""), "with the probe's path");
        Assert.That(Before(binary), Is.EqualTo(fromText));
    }

    /// <summary>What the container read of its own trace, with the header a saved text trace of
    /// this kernel would carry (how arguments print, how paths were recorded).</summary>
    private string OwnText()
    {
        var stdout = File.ReadAllText(Part("stdout"));
        var at = stdout.IndexOf("--- own trace ---\n", StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), stdout);
        var metadata = SavedTraceText.Metadata(Saved())!;
        return $"{TextSave.KernelHeader}{metadata.KernelRelease}\n{TextSave.PathsHeader}{metadata.Paths}\n" +
               stdout[(at + "--- own trace ---\n".Length)..];
    }
}
