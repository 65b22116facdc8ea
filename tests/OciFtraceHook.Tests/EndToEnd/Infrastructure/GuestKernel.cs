namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Debian's own kernels booted under qemu by tests/kernels/run-in-guest.sh: a scenario
/// script runs in the guest with the published hook, and leaves its results in a host directory.
/// Where qemu or the kernel package cannot be had, the test is skipped with the script's reason.</summary>
internal static class GuestKernel
{
    /// <summary>run-in-guest.sh's exit code for "cannot run a guest here".</summary>
    private const int Unavailable = 125;

    public static string ScenarioPath(string name) =>
        Path.Combine(HookBinary.RepositoryRoot, "tests", "kernels", "scenarios", name);

    /// <summary>Boots <paramref name="kernel"/> ("6.1", "6.12", "7.3"), runs the scenario with the results
    /// directory as /results, and returns the guest command's exit code and output.</summary>
    public static ProcessResult RunScenario(string kernel, string scenario, string resultsDir)
    {
        var script = Path.Combine(HookBinary.RepositoryRoot, "tests", "kernels", "run-in-guest.sh");
        Directory.CreateDirectory(resultsDir);
        var hookDir = Path.GetDirectoryName(HookBinary.Path)!;
        var result = ProcessRunner.Run(script,
            ["--kernel", kernel, "--results", resultsDir, "--hook-dir", hookDir, "--timeout", "900", ScenarioPath(scenario)],
            timeout: TimeSpan.FromMinutes(16));
        if (result.ExitCode == Unavailable)
        {
            var reason = result.Stderr.Split('\n').LastOrDefault(l => l.StartsWith("run-in-guest: skipped: ", StringComparison.Ordinal));
            Assert.Ignore("end-to-end test skipped: " + (reason?["run-in-guest: skipped: ".Length..] ?? $"no {kernel} guest"));
        }
        return result;
    }
}
