using OciFtraceHook.Records;
namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Poststop hands a container's save to a detached gc, so the trace is on disk a moment
/// after the runtime returns (`show` waits for it the same way). Tests that read the save
/// directory wait for those saves first.</summary>
internal static class PendingSaves
{
    /// <param name="bundleDir">Only the saves of this bundle's containers; all when null.</param>
    public static void WaitFor(string? bundleDir = null) =>
        Wait.Until(() => Pending(bundleDir), names => names.Length == 0, InstanceRecord.SaveDeadline, "the detached saves to finish");

    /// <summary>Only the saves of containers whose bundles are under <paramref name="dir"/> (an engine's
    /// state directory), so that another run's saves on the same host are not waited for.</summary>
    public static void WaitForBundlesUnder(string dir) =>
        Wait.Until(() => new InstanceRecords().All()
                .Where(r => r.Record.Bundle is { } bundle && bundle.StartsWith(dir + "/", StringComparison.Ordinal) && r.Record.SavePending(DateTimeOffset.UtcNow))
                .Select(r => r.Name).ToArray(),
            names => names.Length == 0, InstanceRecord.SaveDeadline, "the detached saves to finish");

    private static string[] Pending(string? bundleDir) =>
        new InstanceRecords().All()
            .Where(r => (bundleDir is null || r.Record.Bundle == bundleDir) && r.Record.SavePending(DateTimeOffset.UtcNow))
            .Select(r => r.Name).ToArray();
}
