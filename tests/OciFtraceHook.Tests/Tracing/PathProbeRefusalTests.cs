using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.Tracing;

/// <summary>A kernel's refusal of the probe syntax, remembered for the boot it was met in.</summary>
public class PathProbeRefusalTests
{
    private string _root = "";

    [SetUp]
    public void CreateStandIn()
    {
        _root = Path.Combine(Path.GetTempPath(), "probe-refusal-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(_root, "events", "syscalls", "sys_enter_openat"));
        File.WriteAllText(Path.Combine(_root, "events", "syscalls", "sys_enter_openat", "format"),
            "name: sys_enter_openat\nID: 700\nformat:\n\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n" +
            "\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n");
        Directory.CreateDirectory(Path.Combine(_root, "instances", "x", "events", PathProbes.Group));
        File.WriteAllText(Path.Combine(_root, "instances", "x", "events", PathProbes.Group, "enable"), "0\n");
        File.WriteAllText(Path.Combine(_root, "dynamic_events"), "");
        File.WriteAllText(Path.Combine(_root, "README"), "  e[:[<group>/][<event>]] <attached-group>.<attached-event> [<args>]\n");
    }

    [TearDown]
    public void Remove() => Directory.Delete(_root, recursive: true);

    private string LockPath => Path.Combine(_root, "probes.lock");
    private string Memo => LockPath + PathProbes.RefusalSuffix;
    private PathProbes Probes() => new(new TraceFs(_root), LockPath);
    private static string ThisBoot => File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();

    [Test]
    public void A_refusal_met_in_this_boot_is_not_tried_again()
    {
        File.WriteAllText(Memo, ThisBoot + "\nthis kernel refused an event probe (test)\n");
        var e = Assert.Throws<ProbesUnsupportedException>(() => Probes().EnableIn(new TraceFs(_root).Instance("x")));
        Assert.That(e!.Message, Is.EqualTo("this kernel refused an event probe (test)"));
        Assert.That(File.ReadAllText(Path.Combine(_root, "dynamic_events")), Is.Empty, "no definition was written");
        Assert.That(File.ReadAllText(Path.Combine(_root, "instances", "x", "events", PathProbes.Group, "enable")), Does.StartWith("0"));
    }

    [Test]
    public void A_refusal_from_another_boot_is_forgotten()
    {
        File.WriteAllText(Memo, "00000000-0000-0000-0000-000000000000\nthis kernel refused an event probe (test)\n");
        Probes().EnableIn(new TraceFs(_root).Instance("x"));
        Assert.That(File.ReadAllText(Path.Combine(_root, "dynamic_events")), Does.StartWith("e:ociftracehook/openat syscalls/sys_enter_openat a1=+0($filename):ustring"));
        Assert.That(File.ReadAllText(Path.Combine(_root, "instances", "x", "events", PathProbes.Group, "enable")), Does.StartWith("1"));
    }
}
