using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.TracingTests;

/// <summary>The path probes' definitions and their checks, against a directory standing in for
/// tracefs (the real kernels are the guests' end-to-end tests).</summary>
public class PathProbesTests
{
    private const string OpenatFormat = """
        name: sys_enter_openat
        ID: 659
        format:
        	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
        	field:int common_pid;	offset:4;	size:4;	signed:1;

        	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
        	field:int dfd;	offset:16;	size:8;	signed:0;
        	field:const char * filename;	offset:24;	size:8;	signed:0;
        	field:int flags;	offset:32;	size:8;	signed:0;
        	field:umode_t mode;	offset:40;	size:8;	signed:0;
        """;

    private string _root = null!;

    [SetUp]
    public void MakeTraceFs()
    {
        _root = Path.Combine(Path.GetTempPath(), "path-probes-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(Path.Combine(_root, "events", "syscalls", "sys_enter_openat"));
        File.WriteAllText(Path.Combine(_root, "events", "syscalls", "sys_enter_openat", "format"), OpenatFormat);
        Directory.CreateDirectory(Path.Combine(_root, "instances"));
    }

    [TearDown]
    public void Remove() => Directory.Delete(_root, recursive: true);

    private PathProbes Probes() => new(new TraceFs(_root), Path.Combine(_root, "probes.lock"));

    private void EventProbesOnly(string dynamicEvents = "")
    {
        File.WriteAllText(Path.Combine(_root, "dynamic_events"), dynamicEvents);
        File.WriteAllText(Path.Combine(_root, "README"), "  e[:[<group>/][<event>]] <attached-group>.<attached-event> [<args>]\n");
    }

    [Test]
    public void The_argument_fields_come_from_the_events_format() =>
        Assert.That(PathProbes.ArgumentFields(OpenatFormat.Split('\n')), Is.EqualTo(new[] { "dfd", "filename", "flags", "mode" }));

    [Test]
    public void Without_dynamic_events_or_probes_it_says_why()
    {
        Assert.That(Probes().Unavailable(), Does.Contain("no dynamic events"));
        File.WriteAllText(Path.Combine(_root, "dynamic_events"), "");
        File.WriteAllText(Path.Combine(_root, "README"), "uprobes only\n");
        Assert.That(Probes().Unavailable(), Does.Contain("neither kprobes").And.Contain("nor event probes"));
    }

    [Test]
    public void An_event_probe_reads_the_path_field_of_the_syscall_event()
    {
        EventProbesOnly();
        var probes = Probes();
        Assert.That(probes.Unavailable(), Is.Null);
        Assert.That(probes.Kind, Is.EqualTo("eprobes"));
        Assert.That(probes.Definitions(), Is.EqualTo(new[] { ("openat", "e:ociftracehook/openat syscalls/sys_enter_openat a1=+0($filename):ustring") }));
    }

    [Test]
    public void A_definition_of_the_same_name_with_another_meaning_is_refused_in_one_line()
    {
        EventProbesOnly("e:ociftracehook/openat syscalls.sys_enter_openat a1=+0($flags):u32\n");
        Directory.CreateDirectory(Path.Combine(_root, "instances", "x"));
        var e = Assert.Throws<HookException>(() => Probes().EnableIn(new TraceFs(_root).Instance("x")));
        Assert.That(e!.Message, Does.Contain("ociftracehook/openat exists with another definition").And.Not.Contain("\n"));
    }

    [Test]
    public void The_same_definition_already_there_is_used_as_it_is()
    {
        EventProbesOnly("e:othergroup/x syscalls.sys_enter_openat f=+0($filename):ustring\ne:ociftracehook/openat syscalls.sys_enter_openat a1=+0($filename):ustring\n");
        Directory.CreateDirectory(Path.Combine(_root, "instances", "x", "events", "ociftracehook"));
        File.WriteAllText(Path.Combine(_root, "instances", "x", "events", "ociftracehook", "enable"), "0\n");
        Probes().EnableIn(new TraceFs(_root).Instance("x"));
        Assert.That(File.ReadAllText(Path.Combine(_root, "instances", "x", "events", "ociftracehook", "enable")), Does.StartWith("1"));
        Assert.That(File.ReadAllText(Path.Combine(_root, "dynamic_events")), Does.StartWith("e:othergroup/x"), "nothing was written");
    }

    [Test]
    public void Definitions_an_instance_still_enables_are_not_removed()
    {
        EventProbesOnly("e:ociftracehook/openat syscalls.sys_enter_openat a1=+0($filename):ustring\n");
        Directory.CreateDirectory(Path.Combine(_root, "instances", "other", "events", "ociftracehook"));
        File.WriteAllText(Path.Combine(_root, "instances", "other", "events", "ociftracehook", "enable"), "1\n");
        Assert.That(Probes().RemoveUnused(), Is.Zero);
        Assert.That(File.ReadAllText(Path.Combine(_root, "dynamic_events")), Does.StartWith("e:ociftracehook/openat"));
    }
}
