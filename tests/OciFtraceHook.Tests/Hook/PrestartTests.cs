using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using OciFtraceHook.Hook;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.HookTests;

/// <summary>prestart as orchestration, against stand-ins: a /proc with one runtime init in its own
/// namespaces, a directory for tracefs (mkdir of an instance works there, but no control file
/// appears, so setup fails right after it), records and a save directory. What it refuses before
/// making anything, and that it undoes what it made when a later step fails.</summary>
public class PrestartTests
{
    private const int InitPid = 4242;
    private const ulong InitStart = 777;
    private string _root = null!;
    private string _bundle = null!;
    private TraceFs _traceFs = null!;
    private InstanceRecords _records = null!;
    private HookConf _host = null!;
    private PrestartHost _on = null!;
    private readonly List<string> _mounted = [];

    [SetUp]
    public void CreateStandIns()
    {
        if (!Environment.IsPrivilegedProcess) Assert.Ignore("needs root: prestart refuses to trace without it");
        _root = Directory.CreateTempSubdirectory("prestart-").FullName;
        var proc = Path.Combine(_root, "proc");
        // The hook's namespaces, and the init's: another PID and mount namespace, as runc makes.
        Link(proc, "self/ns/mnt", "mnt:[4026531841]");
        Link(proc, "self/ns/pid", "pid:[4026531836]");
        Link(proc, $"{InitPid}/ns/mnt", "mnt:[4026532100]");
        Link(proc, $"{InitPid}/ns/pid", "pid:[4026532101]");
        File.WriteAllText(Path.Combine(proc, $"{InitPid}/stat"),
            $"{InitPid} (runc:[2:INIT]) S 1 {InitPid} {InitPid} 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 {InitStart} 1000 100\n");

        _traceFs = new TraceFs(Path.Combine(_root, "tracing"));
        Directory.CreateDirectory(_traceFs.InstancesDir);
        _records = new InstanceRecords(Path.Combine(_root, "records"));
        var saveDir = Directory.CreateDirectory(Path.Combine(_root, "traces")).FullName;
        _host = new HookConf { SaveDir = saveDir };
        _bundle = Directory.CreateDirectory(Path.Combine(_root, "bundle")).FullName;
        Directory.CreateDirectory(Path.Combine(_bundle, "rootfs"));
        _mounted.Clear();
        _on = new PrestartHost
        {
            ProcRoot = proc,
            FindTraceFs = _ => _traceFs,
            Starts = new ContainerStarts(Path.Combine(_root, "last-start")),
            MountIntoContainer = (_, _, _, instance, _) => _mounted.Add(instance.Name),
            CollectLeftovers = (_, _, _, _) => { },
        };
    }

    [TearDown]
    public void RemoveStandIns()
    {
        if (_root is not null) Directory.Delete(_root, recursive: true);
    }

    private static void Link(string proc, string relative, string target)
    {
        var path = Path.Combine(proc, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.CreateSymbolicLink(path, target);
    }

    private void Run(string id, params (string Key, string Value)[] annotations)
    {
        var config = new JsonObject
        {
            ["ociVersion"] = "1.0.2",
            ["root"] = new JsonObject { ["path"] = "rootfs" },
            ["process"] = new JsonObject { ["user"] = new JsonObject { ["uid"] = 0, ["gid"] = 0 } },
        };
        File.WriteAllText(Path.Combine(_bundle, "config.json"), config.ToJsonString());
        var state = new ContainerState
        {
            OciVersion = "1.0.2", Id = id, Status = "created", Pid = InitPid, Bundle = _bundle,
            Annotations = annotations.ToDictionary(a => a.Key, a => a.Value),
        };
        Prestart.Run(state, NullLogger.Instance, _records, _host, _on);
    }

    private string[] Instances() => Directory.GetDirectories(_traceFs.InstancesDir);

    private string[] Records() => Directory.Exists(_records.Dir) ? Directory.GetFiles(_records.Dir) : [];

    /// <summary>A record of a running container (this test process stands for its init).</summary>
    private void RunningContainer(string id, string instanceName)
    {
        _records.EnsureDir();
        var self = Environment.ProcessId;
        var startTime = ulong.Parse(File.ReadAllText($"/proc/{self}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[19]);
        _records.Write(instanceName, new InstanceRecord
        {
            ContainerId = id, Bundle = "/elsewhere", Pid = self, PidStartTime = startTime, SaveDir = _host.SaveDir, Created = DateTimeOffset.UtcNow,
        });
    }

    [Test]
    public void A_container_that_opts_out_gets_nothing()
    {
        Run("quiet-1", (HookSettings.EnabledKey, "false"));
        Assert.Multiple(() =>
        {
            Assert.That(Instances(), Is.Empty);
            Assert.That(Records(), Is.Empty);
            Assert.That(File.Exists(Path.Combine(_root, "last-start")), Is.False, "not even counted as a traced start");
        });
    }

    [TestCase("io.kubernetes.cri.container-type")]
    [TestCase("io.kubernetes.cri-o.ContainerType")]
    public void A_pods_sandbox_gets_nothing_though_the_pod_opts_in(string marker)
    {
        Run("pause-1", (HookSettings.EnabledKey, "true"), (marker, "sandbox"));
        Assert.Multiple(() =>
        {
            Assert.That(Instances(), Is.Empty);
            Assert.That(Records(), Is.Empty);
            Assert.That(File.Exists(Path.Combine(_root, "last-start")), Is.False, "not counted as a traced start");
        });
    }

    [Test]
    public void A_second_live_container_with_the_same_id_is_refused_before_anything_is_made()
    {
        RunningContainer("web-1", "oci-ftrace-web-1-0123456789abcdef-1-1");
        var e = Assert.Throws<HookException>(() => Run("web-1"))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.Contain("already traced by a running container"));
            Assert.That(Instances(), Is.Empty);
            Assert.That(Records().Select(Path.GetFileName), Is.EqualTo(new[] { "oci-ftrace-web-1-0123456789abcdef-1-1.json" }));
            Assert.That(_mounted, Is.Empty);
        });
    }

    [Test]
    public void A_start_beyond_max_traced_containers_is_refused()
    {
        RunningContainer("other-1", "oci-ftrace-other-1-0123456789abcdef-1-1");
        _host = _host with { MaxTracedContainers = 1 };
        var e = Assert.Throws<HookException>(() => Run("web-2"))!;
        Assert.That(e.Message, Does.Contain("max-traced-containers"));
        Assert.That(Instances(), Is.Empty);
    }

    [Test]
    public void A_step_that_fails_after_the_instance_exists_undoes_the_instance_and_its_record()
    {
        // The stand-in has no control files: setting the instance up fails right after its mkdir.
        var e = Assert.Throws<HookException>(() => Run("web-3"))!;
        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.Contain("cannot write"));
            Assert.That(Instances(), Is.Empty, "the instance made is removed again");
            Assert.That(Records().Where(r => r.EndsWith(".json", StringComparison.Ordinal)), Is.Empty, "and its record");
            Assert.That(_mounted, Is.Empty, "nothing reached the container");
        });
    }

    [Test]
    public void With_on_failure_warn_the_same_failure_starts_the_container_untraced_and_leaves_nothing()
    {
        Assert.DoesNotThrow(() => Run("web-4", (HookSettings.OnFailureKey, "warn")));
        Assert.That(Instances(), Is.Empty);
        Assert.That(Records().Where(r => r.EndsWith(".json", StringComparison.Ordinal)), Is.Empty);
    }
}
