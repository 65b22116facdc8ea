namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>End-to-end tests need root, a kernel with tracefs, runc and a static busybox. Where one
/// is missing the test is skipped with the reason, never passed.</summary>
internal static class HostRequirements
{
    public const string BusyboxPath = "/bin/busybox";

    private static readonly Lazy<string?> Missing = new(FindMissing);

    public static void RequireRuncAndTraceFs()
    {
        if (Missing.Value is { } reason) Assert.Ignore($"end-to-end test skipped: {reason}");
    }

    public static string? FindRunc() => Which("runc");

    public static string? Which(string name) => WhichOnPath(name);

    private static string? FindMissing()
    {
        if (!Environment.IsPrivilegedProcess) return "not running as root";
        if (!File.ReadAllText("/proc/filesystems").Contains("tracefs")) return "this kernel has no tracefs";
        if (FindRunc() is null) return "runc is not installed (apt-get install runc)";
        if (!File.Exists(BusyboxPath)) return $"{BusyboxPath} is missing (apt-get install busybox-static)";
        return null;
    }

    private static string? WhichOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}
