using OciFtraceHook.Decoding;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>State a tenant can make the host keep, bounded: a save whose disk is full waits under
/// /run only within max-pending-mb (before, the whole ring buffer waited there, in memory shared with
/// the runtimes' state), and past it is dropped with a line, its instance removed all the same.</summary>
[Category("EndToEnd")]
public class BoundedStateTests : OneBundleTests
{
    private string? _full;

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("bounded").WithHook(HookBinary.Path);
    }

    [TearDown]
    public void Unmount()
    {
        if (_full is not null) ProcessRunner.Run("umount", [_full]);
    }

    [Test]
    public void A_save_to_a_full_disk_past_max_pending_mb_is_dropped_and_run_keeps_nothing_of_it()
    {
        _full = Path.Combine(Bundle.Dir, "full-disk");
        Directory.CreateDirectory(_full);
        var mount = ProcessRunner.Run("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", _full]);
        Assert.That(mount.ExitCode, Is.Zero, mount.ToString());
        ProcessRunner.Run("/bin/sh", ["-c", $"dd if=/dev/zero of={_full}/filler bs=4k 2>/dev/null; true"]);
        Bundle.HostConfig($"save-dir = {_full}\nmax-pending-mb = 0\n").Script("cat /nonexistent 2>/dev/null; true");
        static int Pending() => Directory.Exists("/run/oci-ftrace-hook/instances") ? Directory.GetFiles("/run/oci-ftrace-hook/instances", "*.pending*").Length : 0;
        var pendingBefore = Pending();

        var run = Runc.Run(Bundle, "oft-bounded-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.That(run.ExitCode, Is.Zero, "the save is the detached gc's: the container's run is not touched: " + run);
        Assert.That(TestHost.WaitUntilNoHookInstances(TimeSpan.FromSeconds(60)), Is.Empty,
            "the dropped save leaves nothing to save: the instance and its record go");
        Assert.That(Pending(), Is.EqualTo(pendingBefore), "nothing waits under /run");
        Assert.That(Directory.GetFiles(_full, "*.dat"), Is.Empty);

        var gc = HookProcess.Run("", "gc", "--config", Bundle.ConfigPath);
        Assert.That(gc.ExitCode, Is.Zero, gc.ToString());
    }

    /// <summary>Bytes that once aborted `show`: a CPU number beyond int, and a line without end.</summary>
    [Test]
    public void Show_of_a_text_with_a_huge_cpu_number_and_an_endless_line_decodes_the_rest_and_says_so_once()
    {
        var file = Path.Combine(Bundle.Dir, "shaped.txt");
        File.WriteAllText(file,
            "              sh-1     [99999999999999999999] .....     1.000000: sys_close(fd: 0x3)\n" +
            new string('x', 200_000) + "\n" +
            "              sh-1     [000] .....     1.000001: sys_close(fd: 0x3)\n" +
            "              sh-1     [000] .....     1.000002: sys_close -> 0x0\n");
        var shown = HookProcess.Run("", "show", "--file", file);
        Assert.That(shown.ExitCode, Is.Zero, shown.ToString());
        Assert.That(shown.Stdout, Does.Contain("close(3) = 0"));
        Assert.That(shown.Stderr, Does.Contain("1 lines are not ftrace events and were skipped").And.Contain("1 lines longer than 64 KiB were skipped")
            .And.Contain(TraceDecoder.TextNote));
    }
}
