using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>An arm64 kernel tracing a container: Debian's arm64 6.1 under qemu-system-aarch64 runs
/// the decoder's sample workload (tests/kernels/scenarios/workload.sh) in a busybox container with
/// Debian's arm64 runc and the hook of the arm64 .deb. What is arm64's own: the trace says so, and
/// `show` on this machine decodes it with arm64's calls and flag values, which differ from x86_64's.
/// (GuestKernelTests, GuestPathTests and GuestTraceDatTests run on this kernel too.) Skipped with the
/// reason where qemu-system-aarch64 or the cross toolchain is missing.</summary>
[TestFixture("6.1-arm64")]
[Category("GuestKernel")]
[NonParallelizable]
public class GuestArm64Tests(string kernel)
{
    private string _results = null!;

    private string Saved() => GuestKernel.SavedTrace(Path.Combine(_results, "workload"));

    [OneTimeSetUp]
    public void BootAndRunTheWorkload()
    {
        _results = GuestKernel.NewResultsDir($"arm64-{kernel}");
        var guest = GuestKernel.RunCommand(kernel, "uname -m > /results/machine && sh /repo/tests/kernels/scenarios/workload.sh", _results);
        Assert.That(guest.ExitCode, Is.Zero, $"the {kernel} guest's scenario failed:\n{guest}");
        var workload = Path.Combine(_results, "workload");
        Assert.That(File.ReadAllText(Path.Combine(workload, "exit")).Trim(), Is.EqualTo("0"), File.ReadAllText(Path.Combine(workload, "stderr")));
    }

    [OneTimeTearDown]
    public void RemoveResults() => GuestKernel.RemoveResults(_results);

    [Test]
    public void The_guest_is_arm64_and_its_saved_trace_says_so()
    {
        Assert.That(File.ReadAllText(Path.Combine(_results, "machine")).Trim(), Is.EqualTo("aarch64"));
        var metadata = SavedTraceText.Metadata(Saved());
        Assert.That(metadata?.Arch, Is.EqualTo("arm64"));
        Assert.That(metadata?.KernelRelease, Does.EndWith("-arm64"));
    }

    [Test]
    public void Show_on_this_machine_decodes_it_with_arm64s_calls_and_flags()
    {
        var shown = HookProcess.Succeeds("show", "--file", Saved()).Stdout;
        // arm64 has only the *at calls: busybox's mkdir and rmdir are mkdirat and unlinkat there.
        Assert.That(shown, Does.Contain("mkdirat(AT_FDCWD, \"/tmp/d\", 0777) = 0"));
        Assert.That(shown, Does.Contain("unlinkat(AT_FDCWD, \"/tmp/d\", AT_REMOVEDIR) = 0"));
        Assert.That(shown, Does.Contain("unlinkat(AT_FDCWD, \"/tmp/d\", AT_REMOVEDIR) = -1 ENOENT (No such file or directory)"));
        Assert.That(shown, Does.Not.Match(@"(?m)^[\d.]+ \d+ (open|mkdir|rmdir|stat|lstat)\("), "no call arm64 does not have");
        // ls opens /etc with O_DIRECTORY: 0x4000 on arm64, which is O_DIRECT on x86_64.
        Assert.That(shown, Does.Contain("openat(AT_FDCWD, \"/etc\", O_RDONLY|O_NONBLOCK|O_DIRECTORY|O_CLOEXEC) = 3"));
        Assert.That(shown, Does.Contain("--- trace_marker: phase-two ---"));

        var asX86 = HookProcess.Succeeds("show", "--file", Saved(), "--arch", "x86_64").Stdout;
        Assert.That(asX86, Does.Contain("openat(AT_FDCWD, \"/etc\", O_RDONLY|O_NONBLOCK|O_DIRECT|O_CLOEXEC) = 3"),
            "the same record read with x86_64's values names another flag: the values used are the trace's");
    }

    [Test]
    public void A_seccomp_profile_from_it_is_for_aarch64_with_arm64s_calls()
    {
        var profile = HookProcess.Succeeds("seccomp", "--file", Saved()).Stdout;
        Assert.That(profile, Does.Contain("\"SCMP_ARCH_AARCH64\"").And.Not.Contain("SCMP_ARCH_X86_64"));
        Assert.That(profile, Does.Contain("\"mkdirat\"").And.Contain("\"unlinkat\"").And.Not.Contain("\"mkdir\""));
    }
}
