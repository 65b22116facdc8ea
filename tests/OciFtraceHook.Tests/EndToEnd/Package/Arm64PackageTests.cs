using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd.Package;

/// <summary>The arm64 package, cross-built on this machine by hooks/build-deb --arch arm64, run under
/// qemu-user: it decodes a recorded trace exactly as the x86_64 build does and refuses bad input
/// the same way. (qemu-user answers openat2 with ENOSYS, like kernels before 5.6.)</summary>
[Category("EndToEnd")]
[NonParallelizable]
public class Arm64PackageTests
{
    private string _work = null!;
    private string _binary = null!;
    private string _deb = null!;

    [OneTimeSetUp]
    public void CrossBuild()
    {
        foreach (var tool in new[] { "qemu-aarch64-static", "aarch64-linux-gnu-gcc", "clang", "dpkg-deb" })
        {
            if (HostRequirements.Which(tool) is null)
                Assert.Ignore($"arm64 test skipped: {tool} is missing (apt-get install qemu-user-static gcc-aarch64-linux-gnu " +
                              "binutils-aarch64-linux-gnu libc6-dev-arm64-cross clang)");
        }
        if (!File.Exists("/usr/lib/aarch64-linux-gnu/libz.so.1"))
            Assert.Ignore("arm64 test skipped: zlib1g:arm64 is missing (dpkg --add-architecture arm64; apt-get install zlib1g:arm64)");
        _work = Path.Combine(TestHost.TempRoot, "arm64-" + Guid.NewGuid().ToString("N")[..8]);
        var build = ProcessRunner.Run(Path.Combine(HookBinary.RepositoryRoot, "hooks", "build-deb"), [Path.Combine(_work, "out"), "--arch", "arm64"],
            timeout: TimeSpan.FromMinutes(10));
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        _deb = build.Stdout.Trim().Split('\n').Last();
        var extract = ProcessRunner.Run("dpkg-deb", ["-x", _deb, Path.Combine(_work, "root")]);
        Assert.That(extract.ExitCode, Is.Zero, extract.ToString());
        _binary = Path.Combine(_work, "root", "usr", "libexec", "oci-ftrace-hook", "oci-ftrace-hook");
    }

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (_work is not null) Directory.Delete(_work, recursive: true);
    }

    private ProcessResult Run(string stdin, params string[] args) =>
        ProcessRunner.Run("qemu-aarch64-static", [_binary, .. args], stdin: stdin, timeout: TimeSpan.FromMinutes(2));

    private static string Sample(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Decoding", "Samples", name);

    [Test]
    public void The_package_holds_arm64_code()
    {
        var info = ProcessRunner.Run("dpkg-deb", ["--field", _deb, "Architecture"]);
        Assert.That(info.Stdout.Trim(), Is.EqualTo("arm64"));
        foreach (var file in new[] { _binary, Path.Combine(Path.GetDirectoryName(_binary)!, "libMonoPosixHelper.so") })
        {
            var header = File.ReadAllBytes(file)[..20];
            Assert.That(BitConverter.ToUInt16(header, 18), Is.EqualTo(0xB7), $"{file} is an aarch64 ELF (e_machine EM_AARCH64)");
        }
    }

    [Test]
    public void It_decodes_a_recorded_trace_exactly_like_the_x86_64_build()
    {
        var result = Run("", "show", "--file", Sample("busybox-workload.trace"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Is.EqualTo(File.ReadAllText(Sample("busybox-workload.expected"))));
        var summary = Run("", "show", "--file", Sample("busybox-workload.trace"), "--summary");
        Assert.That(summary.Stdout, Is.EqualTo(File.ReadAllText(Sample("busybox-workload.summary.expected"))));
    }

    [Test]
    public void It_uses_arm64_values_for_an_arm64_trace()
    {
        // 0x4000 is O_DIRECTORY on arm64 and O_DIRECT on x86_64; 0x10000 the other way round.
        const string trace = "              ls-7  (    7) [000] .....   1.000000: sys_openat(dfd: 0xffffff9c, filename: 0x1000, flags: 0x4000, mode: 0)\n" +
                             "              ls-7  (    7) [000] .....   1.000001: sys_openat -> 0x3\n";
        var arm = Run(trace, "show", "--arch", "arm64");
        var x86 = Run(trace, "show", "--arch", "x86_64");
        Assert.That(arm.Stdout, Does.Contain("openat(AT_FDCWD, 0x1000, O_RDONLY|O_DIRECTORY) = 3"));
        Assert.That(x86.Stdout, Does.Contain("openat(AT_FDCWD, 0x1000, O_RDONLY|O_DIRECT) = 3"));
    }

    [TestCase("", "no OCI state on stdin")]
    [TestCase("not json", "the OCI state on stdin is not valid")]
    [TestCase("{\"id\": \"a/b\", \"pid\": 5, \"bundle\": \"/nonexistent\"}", "container id 'a/b' is not valid")]
    [TestCase("{\"id\": \"c\", \"pid\": 5, \"bundle\": \"/nonexistent\"}", "cannot read /nonexistent/config.json")]
    public void It_refuses_bad_input_the_same_way(string stdin, string message)
    {
        var result = Run(stdin, "prestart");
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(result.Stderr, Does.StartWith("oci-ftrace-hook: error: prestart failed").And.Contain(message));
    }
}
