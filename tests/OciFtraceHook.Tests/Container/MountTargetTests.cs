using OciFtraceHook.Container;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.Container;

/// <summary>config.json's mounts decide which mount paths are volumes: whatever is mounted under a
/// volume reaches the host directory behind it, so the trace files never go there.</summary>
public class MountTargetTests
{
    private static readonly MountConfig[] RuncDefaults =
    [
        new() { Destination = "/proc", Type = "proc", Source = "proc" },
        new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs" },
        new() { Destination = "/sys", Type = "sysfs", Source = "sysfs" },
    ];

    [TestCase("/sys/kernel/tracing")]
    [TestCase("/sys/kernel/debug/tracing")]
    [TestCase("/data/trace")]
    [TestCase("/volume-sibling/trace")]
    public void Paths_on_the_rootfs_or_the_runtimes_sysfs_pass(string mountPath) =>
        Assert.DoesNotThrow(() => MountTarget.RefuseVolumes(mountPath, [.. RuncDefaults, Bind("/volume")]));

    [TestCase("/volume", "/volume")]
    [TestCase("/volume/trace", "/volume")]
    [TestCase("/volume/trace", "/volume/")]
    [TestCase("/volume/trace", "volume")]
    [TestCase("/volume/trace", "/other/../volume")]
    [TestCase("/data/deep/trace", "/data")]
    public void A_path_in_a_bind_mount_is_refused(string mountPath, string destination)
    {
        var error = Assert.Throws<HookException>(() => MountTarget.RefuseVolumes(mountPath, [.. RuncDefaults, Bind(destination)]));
        Assert.That(error!.Message, Does.StartWith($"mount path {mountPath} is inside the container's mount at "));
    }

    [Test]
    public void Another_file_system_over_the_path_is_refused_too()
    {
        var tmpfs = new MountConfig { Destination = "/scratch", Type = "tmpfs", Source = "tmpfs" };
        Assert.Throws<HookException>(() => MountTarget.RefuseVolumes("/scratch/trace", [tmpfs]));
    }

    [Test]
    public void A_bind_of_the_hosts_sys_is_a_volume_even_for_the_tracefs_place()
    {
        var hostSys = new MountConfig { Destination = "/sys", Type = "bind", Source = "/sys", Options = ["rbind"] };
        Assert.Throws<HookException>(() => MountTarget.RefuseVolumes("/sys/kernel/tracing", [hostSys]));
    }

    private static MountConfig Bind(string destination) =>
        new() { Destination = destination, Type = "bind", Source = "/srv/host-dir", Options = ["rbind", "rshared"] };
}
