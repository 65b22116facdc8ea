using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd.SavedTraceFormat;

/// <summary>`trace-cmd report` (Debian's, on the host) opens the trace.dat files the hook saved in
/// the guests (Decoding/Samples/guest-*-workload.dat) with their paths: the probes' records on 6.1,
/// 6.12, 7.3 and the arm64 6.1, and 7.3's own strings and write buffers with write-buffers on.</summary>
[Category("EndToEnd")]
public class GuestSampleReportTests
{
    private static string Report(string sample)
    {
        if (HostRequirements.Which("trace-cmd") is null) Assert.Ignore("end-to-end test skipped: trace-cmd is not installed");
        var path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Decoding", "Samples", $"guest-{sample}-workload.dat");
        var report = ProcessRunner.Run("trace-cmd", ["report", "-i", path]);
        Assert.That(report.ExitCode, Is.Zero, report.ToString());
        return report.Stdout;
    }

    [TestCase("6.1")]
    [TestCase("6.12")]
    [TestCase("7.3")]
    [TestCase("6.1-arm64")]
    public void The_probes_paths_are_in_trace_cmds_report(string sample) =>
        Assert.That(Report(sample), Does.Match(@"openat:\s+\([0-9a-f]+\) a1=""/nonexistent""").And.Contain("phase-two"));

    [Test]
    public void Six_nineteens_own_strings_and_buffers_are_in_trace_cmds_report()
    {
        var report = Report("7.3-buffers");
        Assert.That(report, Does.Match(@"sys_enter_openat:.*filename: 0x[0-9a-f]+ ""/nonexistent"""));
        Assert.That(report, Does.Contain("__buf_val=phase-two"), "trace-cmd 3.1 prints the buffer field raw");
        Assert.That(report, Does.Not.Match(@"openat:\s+\([0-9a-f]+\) a1="), "no probe: the kernel's own strings");
    }
}
