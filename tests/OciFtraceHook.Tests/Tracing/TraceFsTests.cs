using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.TracingTests;

public class TraceFsTests
{
    private const string Root = "22 1 259:1 / / rw,relatime shared:1 - ext4 /dev/root rw";
    private const string Proc = "23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw";
    private const string Sys = "24 22 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw";
    private const string DebugFs = "30 24 0:7 / /sys/kernel/debug rw,nosuid,nodev,noexec,relatime shared:13 - debugfs debugfs rw";
    private const string Standard = "36 24 0:12 / /sys/kernel/tracing rw,nosuid,nodev,noexec,relatime shared:14 - tracefs tracefs rw";
    private const string UnderDebugFs = "41 30 0:12 / /sys/kernel/debug/tracing rw,nosuid,nodev,noexec,relatime shared:15 - tracefs tracefs rw";
    private const string Elsewhere = "52 22 0:12 / /mnt/trace rw,relatime shared:30 - tracefs nodev rw";
    private const string Elsewhere2 = "53 22 0:12 / /srv/trace2 rw,relatime - tracefs nodev rw";

    [Test]
    public void The_standard_path_is_preferred()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TraceFs.FindMountPoint([Root, Sys, DebugFs, UnderDebugFs, Elsewhere, Standard]), Is.EqualTo(TraceFs.StandardPath));
            Assert.That(TraceFs.FindMountPoint([Standard, UnderDebugFs]), Is.EqualTo("/sys/kernel/tracing"));
        });
    }

    [Test]
    public void The_debugfs_path_is_used_when_it_is_the_only_one()
    {
        Assert.That(TraceFs.FindMountPoint([Root, Proc, Sys, DebugFs, UnderDebugFs]), Is.EqualTo(TraceFs.DebugFsPath));
    }

    [Test]
    public void The_debugfs_path_is_preferred_over_other_mount_points()
    {
        Assert.That(TraceFs.FindMountPoint([Elsewhere, UnderDebugFs, Elsewhere2]), Is.EqualTo("/sys/kernel/debug/tracing"));
    }

    [Test]
    public void Any_other_tracefs_mount_point_is_used_last_and_the_first_one_wins()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TraceFs.FindMountPoint([Root, Elsewhere, Proc]), Is.EqualTo("/mnt/trace"));
            Assert.That(TraceFs.FindMountPoint([Elsewhere2, Elsewhere]), Is.EqualTo("/srv/trace2"));
        });
    }

    [Test]
    public void Escaped_characters_in_the_mount_point_are_decoded()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TraceFs.FindMountPoint(["60 22 0:12 / /mnt/my\\040trace rw,relatime - tracefs nodev rw"]),
                Is.EqualTo("/mnt/my trace"));
            Assert.That(TraceFs.FindMountPoint(["60 22 0:12 / /mnt/a\\011b\\134c rw,relatime - tracefs nodev rw"]),
                Is.EqualTo("/mnt/a\tb\\c"));
            Assert.That(TraceFs.FindMountPoint(["60 22 0:12 / /mnt/x\\134040 rw,relatime - tracefs nodev rw"]),
                Is.EqualTo("/mnt/x\\040"));
        });
    }

    [Test]
    public void Lines_of_other_file_systems_are_ignored()
    {
        var lines = new[]
        {
            Root, Proc, Sys, DebugFs,
            // The mount point is the standard path, but the file system is not tracefs.
            "70 24 0:50 / /sys/kernel/tracing rw,relatime - tmpfs tmpfs rw",
            // "tracefs" only as the source, not the type.
            "71 22 0:51 / /mnt/fake rw,relatime - tmpfs tracefs rw",
            // A type that merely starts with tracefs.
            "72 22 0:52 / /mnt/fake2 rw,relatime - tracefsx none rw",
            "garbage without separator",
            "",
        };
        Assert.That(TraceFs.FindMountPoint(lines), Is.Null);
    }

    [Test]
    public void Optional_fields_before_the_separator_do_not_matter()
    {
        var line = "36 24 0:12 / /opt/t rw,relatime shared:14 master:2 propagate_from:3 - tracefs tracefs rw";
        Assert.That(TraceFs.FindMountPoint([line]), Is.EqualTo("/opt/t"));
    }

    [Test]
    public void Null_when_there_is_no_tracefs()
    {
        Assert.Multiple(() =>
        {
            Assert.That(TraceFs.FindMountPoint([]), Is.Null);
            Assert.That(TraceFs.FindMountPoint([Root, Proc, Sys, DebugFs]), Is.Null);
        });
    }

    [Test]
    public void Instances_live_under_the_root()
    {
        var traceFs = new TraceFs("/some/where");
        var instance = traceFs.Instance("oci-ftrace-x");
        Assert.Multiple(() =>
        {
            Assert.That(traceFs.InstancesDir, Is.EqualTo("/some/where/instances"));
            Assert.That(instance.Dir, Is.EqualTo("/some/where/instances/oci-ftrace-x"));
            Assert.That(instance.FilePath("trace"), Is.EqualTo("/some/where/instances/oci-ftrace-x/trace"));
        });
    }
}
