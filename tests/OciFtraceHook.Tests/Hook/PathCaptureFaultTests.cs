using OciFtraceHook.Hook;
using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.Tests.Logging;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.HookTests;

/// <summary>The faults of dynamic_events, against a directory standing in for tracefs on a
/// kernel with event probes: missing, read-only (a read-only bind mount over it), full (it lives on
/// a tmpfs with no room left), a definition of ours with another meaning, and a kernel refusing the
/// syntax (a kernel file that answers such a write with EINVAL). Each gives one line; with paths=auto
/// the container is traced without paths, with paths=on it is refused.</summary>
[NonParallelizable]
public class PathCaptureFaultTests
{
    private const string OpenatFormat = """
        name: sys_enter_openat
        format:
        	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
        	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
        	field:int dfd;	offset:16;	size:8;	signed:0;
        	field:const char * filename;	offset:24;	size:8;	signed:0;
        """;

    private string _root = null!;
    private readonly List<string> _mounts = [];

    private string DynamicEvents => Path.Combine(_root, "dynamic_events");
    private TraceFs TraceFs => new(_root);

    [SetUp]
    public void MakeTraceFs()
    {
        _root = Directory.CreateTempSubdirectory("path-faults-").FullName;
        Directory.CreateDirectory(Path.Combine(_root, "events", "syscalls", "sys_enter_openat"));
        File.WriteAllText(Path.Combine(_root, "events", "syscalls", "sys_enter_openat", "format"), OpenatFormat);
        File.WriteAllText(Path.Combine(_root, "README"), "  e[:[<group>/][<event>]] <attached-group>.<attached-event> [<args>]\n");
        Directory.CreateDirectory(Path.Combine(_root, "instances", "x", "events", PathProbes.Group));
        File.WriteAllText(Path.Combine(_root, "instances", "x", "events", PathProbes.Group, "enable"), "0\n");
    }

    [TearDown]
    public void Remove()
    {
        for (var i = _mounts.Count - 1; i >= 0; i--)
        {
            var result = ProcessRunner.Run("umount", [_mounts[i]]);
            Assert.That(result.ExitCode, Is.Zero, $"umount {_mounts[i]}: {result.Stderr}");
        }
        _mounts.Clear();
        Directory.Delete(_root, recursive: true);
    }

    private static void Run(string file, params string[] args)
    {
        var result = ProcessRunner.Run(file, args);
        if (result.ExitCode != 0) Assert.Ignore($"end-to-end test skipped: {file} {string.Join(' ', args)} failed (needs root and mount): {result.Stderr.Trim()}");
    }

    private void Mount(string target, params string[] args)
    {
        Run("mount", [.. args, target]);
        if (!args.Contains("remount,bind,ro")) _mounts.Add(target);
    }

    private void Fault(string fault)
    {
        switch (fault)
        {
            case "missing":
                break;
            case "read-only":
                File.WriteAllText(DynamicEvents, "");
                Mount(DynamicEvents, "--bind", DynamicEvents);
                Mount(DynamicEvents, "-o", "remount,bind,ro");
                break;
            case "full":
                var small = Path.Combine(_root, "small");
                Directory.CreateDirectory(small);
                Mount(small, "-t", "tmpfs", "-o", "size=4k", "tmpfs");
                File.WriteAllText(Path.Combine(small, "dynamic_events"), "");
                using (var filler = File.OpenWrite(Path.Combine(small, "filler")))
                {
                    try
                    {
                        for (var i = 0; i < 64; i++) filler.Write(new byte[4096]);
                        filler.Flush();
                    }
                    catch (IOException)
                    {
                        // No room left: what this fault is.
                    }
                }
                File.CreateSymbolicLink(DynamicEvents, Path.Combine(small, "dynamic_events"));
                break;
            case "conflict":
                File.WriteAllText(DynamicEvents, $"e:{PathProbes.Group}/openat syscalls.sys_enter_openat a1=+0($dfd):u32\n");
                break;
            case "syntax":
                // A kernel file that parses what is written and refuses anything else with EINVAL;
                // it reads "0", so no definition of ours is listed. The write changes nothing.
                File.CreateSymbolicLink(DynamicEvents, $"/proc/{Environment.ProcessId}/oom_score_adj");
                break;
        }
    }

    private string LockPath => Path.Combine(_root, "probes.lock");

    private string Start(PathsSetting setting, List<string> logged) =>
        PathCapture.Start(TraceFs, TraceFs.Instance("x"), setting, new LineLogger(logged), new UndoStack((_, _) => { }), LockPath);

    [TestCase("missing", "this kernel has no dynamic events")]
    [TestCase("read-only", "Read-only file system")]
    [TestCase("full", "No space left on device")]
    [TestCase("conflict", "ociftracehook/openat exists with another definition")]
    [TestCase("syntax", "refused an event probe")]
    public void With_paths_auto_the_container_is_traced_without_paths_and_one_line_says_why(string fault, string reason)
    {
        Fault(fault);
        var logged = new List<string>();
        var note = Start(PathsSetting.Auto, logged);
        Assert.Multiple(() =>
        {
            Assert.That(note, Does.StartWith("none: ").And.Contain(reason).And.Not.Contain("\n"), "the saved trace's header says why");
            Assert.That(logged, Has.Count.EqualTo(1));
            Assert.That(logged[0], Does.Contain("paths of file syscalls are not recorded").And.Contain(reason).And.Not.Contain("\n"));
            Assert.That(File.ReadAllText(Path.Combine(_root, "instances", "x", "events", PathProbes.Group, "enable")), Is.EqualTo("0\n"),
                "no path probe enabled in the instance");
        });
        if (fault is "read-only" or "full")
        {
            Assert.That(note, Does.Not.Contain("refused an event probe"), "a file that cannot be written says nothing of the kernel's probes");
            Assert.That(File.Exists(LockPath + PathProbes.RefusalSuffix), Is.False, "nor is it remembered as the kernel's refusal for the boot");
        }
        if (fault is "syntax")
            Assert.That(File.Exists(LockPath + PathProbes.RefusalSuffix), Is.True, "the kernel's refusal is remembered for the boot");
    }

    [TestCase("missing", "this kernel has no dynamic events")]
    [TestCase("read-only", "Read-only file system")]
    [TestCase("full", "No space left on device")]
    [TestCase("conflict", "ociftracehook/openat exists with another definition")]
    [TestCase("syntax", "refused an event probe")]
    public void With_paths_on_the_container_is_refused_in_one_line(string fault, string reason)
    {
        Fault(fault);
        var e = Assert.Throws<HookException>(() => Start(PathsSetting.On, []));
        Assert.That(e!.Message, Does.StartWith($"annotation {HookSettings.PathsKey}=on: ").And.Contain(reason).And.Not.Contain("\n"));
    }
}
