using OciFtraceHook.Hook;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>What the host looked like before the tests, so they can leave it that way: whether
/// tracefs was mounted (the hook mounts it when it is not) and which instances existed.</summary>
internal static class TestHost
{
    /// <summary>One per test run: Restore deletes it whole, and another run of the suite on the same
    /// host may be using its own meanwhile.</summary>
    public static string TempRoot { get; } = Path.Combine(Path.GetTempPath(), $"oci-ftrace-tests-{Environment.ProcessId}");

    public static string? TraceFsAtStart { get; private set; }

    /// <summary>Where tracefs is mounted now (the standard path when it is not mounted).</summary>
    public static string TraceFsRoot =>
        OciFtraceHook.Tracing.TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo")) ?? OciFtraceHook.Tracing.TraceFs.StandardPath;

    private static bool _runDirAtStart;

    public static void Record()
    {
        _runDirAtStart = Directory.Exists("/run/oci-ftrace-hook");
        TraceFsAtStart = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"));
        Directory.CreateDirectory(TempRoot);
    }

    /// <summary>Our instances present now (only those of the hook, named oci-ftrace-*).</summary>
    public static string[] HookInstances()
    {
        var mountPoint = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"));
        if (mountPoint is null) return [];
        return Directory.GetDirectories(Path.Combine(mountPoint, "instances"))
            .Select(Path.GetFileName)
            .Where(n => n!.StartsWith(InstanceName.Prefix, StringComparison.Ordinal))
            .ToArray()!;
    }

    /// <summary>The instances of the starts of one container id (one name per start).</summary>
    public static string[] InstancesOf(string containerId) =>
        HookInstances().Where(n => n.StartsWith(InstanceName.For(containerId) + "-", StringComparison.Ordinal)).ToArray();

    /// <summary>The instances and the records of the starts of one container id.</summary>
    public static string[] InstancesAndRecordsOf(string containerId) =>
        InstancesOf(containerId)
            .Concat(HookRecords().Select(Path.GetFileName).Where(n => n!.StartsWith(InstanceName.For(containerId) + "-", StringComparison.Ordinal)))
            .ToArray()!;

    /// <summary>Poststop hands the slow instance removal to a detached process: wait for it.
    /// Returns what is still there (instances and records) after the wait.</summary>
    public static string[] WaitUntilNoHookInstances(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            var left = HookInstances().Concat(HookRecords()).ToArray();
            if (left.Length == 0 || DateTime.UtcNow > deadline) return left;
            Thread.Sleep(50);
        }
    }

    /// <summary>A test's teardown: waits for the hook's detached removals, disposes what the test
    /// made, then fails the test if any instance or record is left (a leak in a test is a leak in
    /// the product).</summary>
    public static void DisposeAndAssertNothingLeft(IEnumerable<IDisposable?> made, TimeSpan? timeout = null)
    {
        var left = WaitUntilNoHookInstances(timeout);
        foreach (var item in made) item?.Dispose();
        Assert.That(left, Is.Empty, "ftrace instances or records left behind");
    }

    public static string[] HookRecords()
    {
        var dir = InstanceRecords.DefaultDir;
        return Directory.Exists(dir) ? Directory.GetFiles(dir) : [];
    }

    public static void Restore()
    {
        // The directory may never have been made (no test ran a container), or be gone already.
        if (!_runDirAtStart && Directory.Exists("/run/oci-ftrace-hook"))
        {
            File.Delete(ContainerStarts.DefaultMarker);
            File.Delete(PathProbes.LockPath);
            File.Delete(PathProbes.LockPath + PathProbes.RefusalSuffix);
            File.Delete(EventFormatCatalog.DefaultCachePath);
            File.Delete(new InstanceRecords().RemovalsLock);
            File.Delete(new InstanceRecords().RemovalWantedMarker);
            // The hook's records directory, made by the tests' containers: gone if it holds nothing.
            foreach (var dir in new[] { InstanceRecords.DefaultDir, "/run/oci-ftrace-hook" })
            {
                if (Directory.Exists(dir) && !Directory.EnumerateFileSystemEntries(dir).Any()) Directory.Delete(dir);
            }
        }
        if (TraceFsAtStart is null)
        {
            var mountPoint = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"));
            if (mountPoint is not null) Interop.TryUmount(mountPoint, 0);
        }
        try
        {
            Directory.Delete(TempRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Mounts an engine made under its directories (overlays, network namespaces) that
    /// its shutdown left, deepest first.</summary>
    public static void UnmountEverythingUnder(string dir)
    {
        var mounts = File.ReadLines("/proc/self/mountinfo")
            .Select(line => line.Split(' ')[4].Replace("\\040", " "))
            .Where(point => point.StartsWith(dir + "/", StringComparison.Ordinal))
            .OrderByDescending(point => point.Length)
            .ToList();
        foreach (var point in mounts) Interop.TryUmount(point, Interop.MNT_DETACH);
    }
}
