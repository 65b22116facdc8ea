using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Hosts differ: tracefs may not be mounted at all, or only under debugfs
/// (/sys/kernel/debug/tracing, older systems). The hook works with both; the host's mounts are
/// put back as they were afterwards.</summary>
[Category("EndToEnd")]
[NonParallelizable]
public class TraceFsLocationTests
{
    private const string Standard = "/sys/kernel/tracing";
    private const string DebugFs = "/sys/kernel/debug";
    private string? _mountedAtStart;
    private MountFlags _flagsAtStart;
    private BusyboxBundle _bundle = null!;

    [SetUp]
    public void TakeTraceFsAway()
    {
        HostRequirements.RequireRuncAndTraceFs();
        if (File.ReadLines("/proc/self/mountinfo").Any(l => l.Contains(" - debugfs ")))
            Assert.Ignore("debugfs is mounted on this host: its tracing mount is not ours to take away");
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty);
        _mountedAtStart = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"));
        _flagsAtStart = FlagsOf(_mountedAtStart);
        if (_mountedAtStart is not null && !Interop.TryUmount(_mountedAtStart, 0))
            Assert.Ignore($"tracefs at {_mountedAtStart} is in use by another program; not unmounting it");
        _bundle = BusyboxBundle.Create("tracefs-location").WithHook(HookBinary.Path)
            .Script("cat /etc/probe.txt; grep -c 'sys_openat' /sys/kernel/tracing/trace");
    }

    [TearDown]
    public void PutTraceFsBack()
    {
        TestHost.WaitUntilNoHookInstances();
        _bundle?.Dispose();
        while (TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo")) is { } mounted)
        {
            if (!Interop.TryUmount(mounted, 0)) break;
        }
        if (File.ReadLines("/proc/self/mountinfo").Any(l => l.Contains(" - debugfs "))) Interop.TryUmount(DebugFs, 0);
        if (_mountedAtStart is not null) Interop.Mount("nodev", _mountedAtStart, "tracefs", _flagsAtStart, null, _mountedAtStart);
    }

    /// <summary>The per-mount options of the tracefs mount, to mount it back the same way.</summary>
    private static MountFlags FlagsOf(string? mountPoint)
    {
        var line = File.ReadLines("/proc/self/mountinfo").FirstOrDefault(l => l.Contains($" {mountPoint} ") && l.Contains(" - tracefs "));
        if (mountPoint is null || line is null) return MountFlags.None;
        var options = line.Split(' ')[5].Split(',');
        var flags = MountFlags.None;
        if (options.Contains("ro")) flags |= MountFlags.ReadOnly;
        if (options.Contains("nosuid")) flags |= MountFlags.NoSuid;
        if (options.Contains("nodev")) flags |= MountFlags.NoDev;
        if (options.Contains("noexec")) flags |= MountFlags.NoExec;
        return flags;
    }

    [Test]
    public void Not_mounted_the_hook_mounts_tracefs_itself()
    {
        Assert.That(TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo")), Is.Null);
        var result = Runc.Run(_bundle);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(int.Parse(result.Stdout.Split('\n')[1]), Is.GreaterThan(0), "the container read its trace");
        Assert.That(TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo")), Is.EqualTo(Standard));
        Assert.That(_bundle.SavedTraces(), Has.Length.EqualTo(1));
    }

    [Test]
    public void Mounted_only_under_debugfs_the_hook_uses_that_one()
    {
        Interop.Mount("debugfs", DebugFs, "debugfs", MountFlags.None, null, DebugFs);
        // Looking into debugfs/tracing makes the kernel mount tracefs there.
        Assert.That(Directory.Exists(Path.Combine(DebugFs, "tracing", "instances")), Is.True);
        Assert.That(TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo")), Is.EqualTo(DebugFs + "/tracing"));

        var result = Runc.Run(_bundle);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(int.Parse(result.Stdout.Split('\n')[1]), Is.GreaterThan(0), "the container read its trace");
        Assert.That(File.ReadLines("/proc/self/mountinfo").Count(l => l.Contains(" - tracefs ")), Is.EqualTo(1),
            "the hook used the debugfs one and mounted no other");
    }
}
