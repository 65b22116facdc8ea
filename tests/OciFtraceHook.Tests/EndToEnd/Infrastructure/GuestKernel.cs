using System.Globalization;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Debian's own kernels booted under qemu by tests/kernels/run-in-guest.sh: a scenario
/// script runs in the guest with the published hook, and leaves its results in a host directory.
/// Where qemu or the kernel package cannot be had, the test is skipped with the script's reason.
/// An "-arm64" kernel ("6.1-arm64") boots under qemu-system-aarch64 with the hook of the arm64 .deb,
/// cross-built here once per test run.</summary>
internal static class GuestKernel
{
    /// <summary>run-in-guest.sh's exit code for "cannot run a guest here".</summary>
    private const int Unavailable = 125;

    private const string Arm64Suffix = "-arm64";

    /// <summary>Where one guest run leaves its results: a fresh directory under the test run's own
    /// temporary one (removed at the run's end, if a test's teardown did not).</summary>
    public static string NewResultsDir(string name) => Path.Combine(TestHost.TempRoot, "guests", $"{name}-{Guid.NewGuid():N}");

    /// <summary>A test class's teardown: its guest's results go.</summary>
    public static void RemoveResults(string? resultsDir)
    {
        if (resultsDir is not null && Directory.Exists(resultsDir)) Directory.Delete(resultsDir, recursive: true);
    }

    public static string ScenarioPath(string name) =>
        Path.Combine(HookBinary.RepositoryRoot, "tests", "kernels", "scenarios", name);

    public static bool IsArm64(string kernel) => kernel.EndsWith(Arm64Suffix, StringComparison.Ordinal);

    /// <summary>The architecture a guest's traces are of.</summary>
    public static TraceArch Arch(string kernel) => IsArm64(kernel) ? TraceArch.Arm64 : TraceArch.X86_64;

    /// <summary>The kernel's version as its release starts ("6.1" for "6.1-arm64").</summary>
    public static string Version(string kernel) => IsArm64(kernel) ? kernel[..^Arm64Suffix.Length] : kernel;

    /// <summary>Boots <paramref name="kernel"/> ("6.1", "6.12", "7.3", "6.1-arm64"), runs the scenario with the results
    /// directory as /results, and returns the guest command's exit code and output.</summary>
    public static ProcessResult RunScenario(string kernel, string scenario, string resultsDir) =>
        Run(kernel, [ScenarioPath(scenario)], resultsDir);

    /// <summary>The one trace a guest scenario's part saved (copied into <paramref name="partDir"/>).</summary>
    public static string SavedTrace(string partDir)
    {
        var saved = Directory.GetFiles(partDir, "*.dat");
        Assert.That(saved, Has.Length.EqualTo(1), $"{Path.GetFileName(partDir)}: one saved trace");
        return saved[0];
    }

    /// <summary>Boots <paramref name="kernel"/> and runs a shell command in it.</summary>
    public static ProcessResult RunCommand(string kernel, string command, string resultsDir) =>
        Run(kernel, ["-c", command], resultsDir);

    private const int GuestTimeoutSeconds = 900;

    private static ProcessResult Run(string kernel, string[] command, string resultsDir)
    {
        var script = Path.Combine(HookBinary.RepositoryRoot, "tests", "kernels", "run-in-guest.sh");
        Directory.CreateDirectory(resultsDir);
        var hookDir = IsArm64(kernel) ? Arm64HookDir() : Path.GetDirectoryName(HookBinary.Path)!;
        var result = ProcessRunner.Run(script,
            ["--kernel", kernel, "--results", resultsDir, "--hook-dir", hookDir, "--timeout", GuestTimeoutSeconds.ToString(CultureInfo.InvariantCulture), .. command],
            // The guest's own limit, then the kernel's fetch and the initramfs before it: a guest that
            // runs out is killed by the script, which prints its console's last lines.
            timeout: TimeSpan.FromSeconds(GuestTimeoutSeconds + 10) + TimeSpan.FromMinutes(5));
        if (result.ExitCode == Unavailable)
        {
            var reason = result.Stderr.Split('\n').LastOrDefault(l => l.StartsWith("run-in-guest: skipped: ", StringComparison.Ordinal));
            Assert.Ignore("end-to-end test skipped: " + (reason?["run-in-guest: skipped: ".Length..] ?? $"no {kernel} guest"));
        }
        // Written by a wait in the guest that ran out (guest/bundle.sh): the slow step, named.
        var expired = Path.Combine(resultsDir, "wait-timeouts");
        Assert.That(File.Exists(expired) ? File.ReadAllText(expired) : "", Is.Empty, $"a wait in the {kernel} guest ran out");
        return result;
    }

    private static (string? Dir, string? Skip, string? Error)? _arm64Hook;
    private static readonly Lock Arm64HookLock = new();

    /// <summary>The hook of the arm64 .deb (tests/kernels/arm64-hook.sh), unpacked under the tests'
    /// temporary directory, which the end-to-end teardown removes: built once, and again only if
    /// that directory went away.</summary>
    private static string Arm64HookDir()
    {
        (string? Dir, string? Skip, string? Error) hook;
        lock (Arm64HookLock)
        {
            if (_arm64Hook is not { Dir: { } built } || !File.Exists(Path.Combine(built, "oci-ftrace-hook"))) _arm64Hook = BuildArm64Hook();
            hook = _arm64Hook.Value;
        }
        if (hook.Skip is not null) Assert.Ignore("end-to-end test skipped: " + hook.Skip);
        if (hook.Error is not null) Assert.Fail("the arm64 hook could not be built:\n" + hook.Error);
        return hook.Dir!;
    }

    private static (string?, string?, string?) BuildArm64Hook()
    {
        if (HostRequirements.Which("qemu-system-aarch64") is null)
            return (null, "qemu-system-aarch64 is not installed (apt-get install qemu-system-arm)", null);
        foreach (var tool in new[] { "clang", "aarch64-linux-gnu-gcc", "aarch64-linux-gnu-objcopy", "dpkg-deb" })
        {
            if (HostRequirements.Which(tool) is null)
                return (null, $"{tool} is missing to cross-build the arm64 hook (apt-get install clang gcc-aarch64-linux-gnu " +
                              "binutils-aarch64-linux-gnu libc6-dev-arm64-cross)", null);
        }
        var dir = Path.Combine(TestHost.TempRoot, "arm64-hook-" + Guid.NewGuid().ToString("N")[..8]);
        var build = ProcessRunner.Run(Path.Combine(HookBinary.RepositoryRoot, "tests", "kernels", "arm64-hook.sh"), [dir],
            timeout: TimeSpan.FromMinutes(10));
        return build.ExitCode == 0 ? (dir, null, null) : (null, null, build.ToString());
    }
}
