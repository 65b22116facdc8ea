namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>The published native AOT hook, as a user installs it. Taken from OCI_FTRACE_HOOK_DIR
/// when set (CI publishes once), else published here on first use.</summary>
internal static class HookBinary
{
    private static readonly Lazy<string> Published = new(Publish);

    public static string Path => Published.Value;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string Publish()
    {
        var dir = Environment.GetEnvironmentVariable("OCI_FTRACE_HOOK_DIR");
        if (string.IsNullOrEmpty(dir))
        {
            dir = System.IO.Path.Combine(RepositoryRoot, "artifacts", "test-hook");
            var result = ProcessRunner.Run("dotnet",
                ["publish", System.IO.Path.Combine(RepositoryRoot, "src", "OciFtraceHook"), "-c", "Release", "-o", dir, "--nologo"],
                timeout: TimeSpan.FromMinutes(10));
            if (result.ExitCode != 0) throw new InvalidOperationException($"publishing the hook failed:\n{result}");
        }
        var binary = System.IO.Path.Combine(dir, "oci-ftrace-hook");
        if (!File.Exists(binary)) throw new FileNotFoundException("the published hook is missing", binary);
        return binary;
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "OciFtraceHook.sln"))) return dir.FullName;
        }
        throw new DirectoryNotFoundException("cannot find OciFtraceHook.sln above the test assembly");
    }
}
