using System.Text.Json.Nodes;
using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: mounts that leave the container. On a mount with shared propagation, whatever is
/// mounted below it is copied to the host and to every peer, and stays there after the container
/// ends. The hook's tmpfs and files must never reach them, whether they are made with the mount API
/// of Linux 5.2 (detached mounts) or with mount(2) as on older kernels; mount paths on volumes,
/// /proc, /dev or /sys are refused with one line.</summary>
[Category("EndToEnd")]
public class MountPropagationTests : OneBundleTests
{
    private const string Tracing = "/sys/kernel/tracing";
    private SharedBind? _shared;

    [SetUp]
    public void Require() => HostRequirements.RequireRuncAndTraceFs();

    [TearDown]
    public void Unbind() => _shared?.Dispose();

    [TestCase(false, TestName = "Rootfs on a shared bind, rshared: nothing reaches the host or its peer (detached mounts)")]
    [TestCase(true, TestName = "Rootfs on a shared bind, rshared: nothing reaches the host or its peer (mount(2), kernels before 5.2)")]
    public void Rootfs_on_a_shared_bind(bool legacyMounts)
    {
        Bundle = BusyboxBundle.Create("shared-rootfs").WithHook(HookBinary.Path, LegacyEnvironment(legacyMounts));
        _shared = SharedBind.Create(Bundle.Dir);
        Bundle.Config["linux"]!["rootfsPropagation"] = "rshared";
        Bundle.Config["root"]!["readonly"] = false;
        Bundle.Script($"echo MARK-shared > {Tracing}/trace_marker; ls {Tracing}; " +
                      "while [ ! -e /tmp/go ]; do sleep 0.05; done; " +
                      $"grep -c MARK-shared {Tracing}/trace");

        var id = "oft-shared-" + Guid.NewGuid().ToString("N")[..10];
        var run = Task.Run(() => Runc.Run(Bundle, id));
        string[] duringRun;
        try
        {
            WaitUntilTraceFilesShown(id, run);
            duringRun = _shared.ForeignMounts();
        }
        finally
        {
            File.WriteAllText(Path.Combine(Bundle.Rootfs, "tmp", "go"), "");
        }
        var result = run.Result;

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Zero, result.ToString());
            Assert.That(result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                Is.EqualTo(new[] { "trace", "trace_marker", "trace_pipe", "1" }), "the container saw its three files and its marker");
            Assert.That(duringRun, Is.Empty, "while the container ran, nothing of it was on the host's shared bind or its peer");
            Assert.That(_shared.ForeignMounts(), Is.Empty, "after the container ended, nothing is left on the host or its peer");
            Assert.That(HookMountsOnHost(), Is.Empty, "no mount of the hook anywhere on the host");
        });
    }

    [Test]
    public void A_mount_path_on_a_shared_volume_is_refused_and_nothing_reaches_the_host()
    {
        Bundle = BusyboxBundle.Create("shared-volume").WithHook(HookBinary.Path).Script("echo PROGRAM-RAN");
        _shared = SharedBind.Create(Path.Combine(TestHost.TempRoot, "volume-" + Guid.NewGuid().ToString("N")[..8]));
        Directory.CreateDirectory(Path.Combine(Bundle.Rootfs, "vol"));
        var mounts = Bundle.Config["mounts"]!.AsArray();
        mounts.Add(new JsonObject
        {
            ["destination"] = "/vol", ["type"] = "bind", ["source"] = _shared.Dir, ["options"] = new JsonArray("rbind", "rshared"),
        });
        Bundle.Annotate(HookSettings.MountPathKey, "/vol/trace");

        var result = Runc.Run(Bundle);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
            Assert.That(result.Stdout, Does.Not.Contain("PROGRAM-RAN"));
            var errors = ErrorLines(result, "prestart");
            Assert.That(errors, Has.Length.EqualTo(1), result.ToString());
            Assert.That(errors.FirstOrDefault(), Does.EndWith("mount path /vol/trace is inside the container's mount at /vol (type bind): " +
                "the trace files go only on the container's root file system or at /sys/kernel/tracing"));
            Assert.That(_shared.ForeignMounts(), Is.Empty, "nothing on the volume's source or its peer");
            Assert.That(Directory.GetFileSystemEntries(_shared.Dir), Is.Empty, "nothing made in the volume");
            Assert.That(HookMountsOnHost(), Is.Empty);
        });
    }

    [TestCase("/proc/sys/trace")]
    [TestCase("/proc")]
    [TestCase("/dev/shm/trace")]
    [TestCase("/sys/fs/trace")]
    [TestCase("/sys")]
    public void A_forbidden_mount_path_is_refused_with_one_line(string mountPath)
    {
        Bundle = BusyboxBundle.Create("forbidden-path").WithHook(HookBinary.Path).Script("echo PROGRAM-RAN");
        Bundle.Annotate(HookSettings.MountPathKey, mountPath);

        var result = Runc.Run(Bundle);

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
            Assert.That(result.Stdout, Does.Not.Contain("PROGRAM-RAN"));
            var errors = ErrorLines(result, "prestart");
            Assert.That(errors, Has.Length.EqualTo(1), result.ToString());
            Assert.That(errors.FirstOrDefault(), Does.Contain($"annotation {HookSettings.MountPathKey}={mountPath}: not a safe place for the trace files"));
            Assert.That(HookMountsOnHost(), Is.Empty);
        });
    }

    [Test]
    public void A_mount_path_that_is_shared_inside_the_container_is_refused()
    {
        // runc makes the rootfs private before its own mounts; another runtime, or a later change,
        // may not. Made shared by hand here, the hook must notice and refuse, not mount onto it.
        Bundle = BusyboxBundle.Create("shared-inside");
        Directory.CreateDirectory(Path.Combine(Bundle.Rootfs, "trace-files"));
        using var container = CreatedContainer.Create(Bundle);
        var makeShared = ProcessRunner.Run("nsenter", ["-t", container.Pid.ToString(), "-m", "mount", "--make-shared", "/"]);
        Assert.That(makeShared.ExitCode, Is.Zero, makeShared.ToString());
        Bundle.Annotate(HookSettings.MountPathKey, "/trace-files").Save();

        var result = HookProcess.Run(container.State, "prestart");

        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
            Assert.That(result.Stderr, Does.Contain("mount path /trace-files is on a mount with shared propagation (shared:"), result.ToString());
            Assert.That(Directory.GetFileSystemEntries(Path.Combine(Bundle.Rootfs, "trace-files")), Is.Empty);
            Assert.That(HookMountsOnHost(), Is.Empty);
        });
    }

    private static Dictionary<string, string>? LegacyEnvironment(bool legacy) =>
        legacy ? new() { ["OCI_FTRACE_HOOK_LEGACY_MOUNTS"] = "1" } : null;

    /// <summary>Waits until the container's init, seen from the host, shows the trace files.</summary>
    private static void WaitUntilTraceFilesShown(string id, Task<ProcessResult> run)
    {
        Wait.Until(() =>
        {
            if (run.IsCompleted) Assert.Fail($"the container ended early:\n{run.Result}");
            var state = ProcessRunner.Run(HostRequirements.FindRunc()!, ["state", id]);
            return state.ExitCode == 0 && JsonNode.Parse(state.Stdout) is { } json && json["status"]?.GetValue<string>() == "running"
                   && File.Exists($"/proc/{json["pid"]!.GetValue<int>()}/root{Tracing}/trace_marker");
        }, shown => shown, TimeSpan.FromMinutes(1), "the container's init to show the trace files");
    }

    /// <summary>The hook's error lines of one stage, out of runc's report (which quotes the hook's
    /// stderr with its newlines as "\n").</summary>
    private static string[] ErrorLines(ProcessResult result, string stage) =>
        result.Stderr.Replace("\\n", "\n").Split('\n')
            .Where(l => l.Contains($"oci-ftrace-hook: error: {stage} failed")).Select(l => l.Trim().TrimEnd('"')).ToArray();

    /// <summary>The hook's tmpfs, or a tracefs mount other than the host's own, in the host's table.</summary>
    private static string[] HookMountsOnHost()
    {
        var hostTraceFs = TestHost.TraceFsAtStart ?? OciFtraceHook.Tracing.TraceFs.StandardPath;
        return File.ReadAllLines("/proc/self/mountinfo")
            .Where(l => l.Contains(" - tmpfs oci-ftrace-hook ") ||
                        (l.Contains(" - tracefs ") && l.Split(' ')[4] is var point && point != hostTraceFs && point != OciFtraceHook.Tracing.TraceFs.DebugFsPath))
            .ToArray();
    }
}
