using OciFtraceHook.Decoding;
using OciFtraceHook.Export;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.ExportTests;

/// <summary>The exports and the seccomp input read traces of every kernel with the corrected
/// arguments: a 6.1 guest's trace (hex without "0x") and a path probe's strings.</summary>
public class KernelFormatExportTests
{
    private static string SamplePath(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Decoding", "Samples", name);

    private static string Export(OutputFormat format, TextReader input)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new TraceDecoder(ExportSinks.WithSink(new DecodeOptions { Format = format, Arch = TraceArch.X86_64 }), writer).Run(input);
        return writer.ToString();
    }

    [Test]
    public void Json_of_a_6_1_trace_has_the_arguments_read_as_hex()
    {
        using var reader = new StreamReader(SamplePath("guest-6.1-workload.trace"));
        var json = Export(OutputFormat.Json, reader);
        Assert.That(json, Does.Contain("\"syscall\":\"openat\",\"args\":[\"AT_FDCWD\","));
        Assert.That(json, Does.Contain("\"syscall\":\"read\",\"args\":[\"0\",").And.Contain("\"512\"],\"result\":512"));
    }

    [Test]
    public void Json_and_chrome_carry_a_probes_path()
    {
        const string Trace = """
                     cat-178     [000] .....     4.348704: sys_openat(dfd: ffffff9c, filename: 7ffe86b8cf26, flags: 0, mode: 0)
                     cat-178     [000] .....     4.348710: openat: (__x64_sys_openat+0x4/0xa0) a1="/etc/app.conf"
                     cat-178     [000] .....     4.348720: sys_openat -> 0xfffffffffffffffe

            """;
        Assert.That(Export(OutputFormat.Json, new StringReader(Trace)), Does.Contain("\"args\":[\"AT_FDCWD\",\"\\u0022/etc/app.conf\\u0022\",\"O_RDONLY\"]"));
        Assert.That(Export(OutputFormat.Chrome, new StringReader(Trace)), Does.Contain("/etc/app.conf"));
    }

    [Test]
    public void Seccomp_reads_the_syscalls_of_a_6_1_trace()
    {
        var syscalls = new TraceSyscalls();
        using (var reader = new StreamReader(SamplePath("guest-6.1-workload.trace"))) syscalls.Read(reader);
        Assert.That(syscalls.Events, Does.Contain("openat").And.Contain("rmdir").And.Contain("execve"));
        Assert.That(syscalls.Arch, Is.EqualTo(TraceArch.X86_64));
    }
}
