using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>The runtime shim under the real engines: a private dockerd (Debian's docker.io 20.10)
/// with the shim registered as runtime "oci-ftrace", and the containerd it runs, driven by ctr.</summary>
[Category("EndToEnd")]
[NonParallelizable]
public class DockerShimTests
{
    private const string Tracing = "/sys/kernel/tracing";
    private const string Image = DockerEngine.Image;
    private DockerEngine _engine = null!;

    [OneTimeSetUp]
    public void StartEngine() => _engine = DockerEngine.StartOrIgnore();

    [OneTimeTearDown]
    public void StopEngine() => _engine?.Dispose();

    [TearDown]
    public void NothingIsLeftBehind()
    {
        if (_engine is null) return;
        var left = _engine.Docker("ps", "-aq").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (left.Length > 0) _engine.Docker(["rm", "-f", .. left]);
        Assert.That(left, Is.Empty, "containers left behind");
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "ftrace instances or records left behind");
    }

    private ProcessResult Run(params string[] args) => _engine.Docker(["run", "--network", "none", .. args]);

    private string RunDetached(bool traced, string script)
    {
        var run = traced ? Run("-d", "--runtime", DockerEngine.RuntimeName, Image, "sh", "-c", script) : Run("-d", Image, "sh", "-c", script);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        return run.Stdout.Trim();
    }

    private bool NamesTheHook(string id) => _engine.BundleConfig(id).Contains("\"args\":[\"oci-ftrace-hook\",\"prestart\"]", StringComparison.Ordinal);

    [Test]
    public void An_opted_in_docker_run_reads_its_own_trace_and_show_finds_it_by_container_id()
    {
        var cidFile = Path.Combine(_engine.Dir, "cid-" + Guid.NewGuid().ToString("N")[..8]);
        var run = Run("--rm", "--runtime", DockerEngine.RuntimeName, "--cidfile", cidFile, Image, "sh", "-c",
            $"cat /nonexistent 2>/dev/null; echo DOCKER-MARK > {Tracing}/trace_marker; ls {Tracing}; cat {Tracing}/trace");
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Stdout, Does.Contain("trace\ntrace_marker\ntrace_pipe\n"), "the three files, and only them");
        Assert.That(run.Stdout, Does.Contain("tracing_mark_write: DOCKER-MARK"));
        Assert.That(run.Stdout, Does.Match(@"cat-\d+ .* sys_openat\("), "its own syscalls, read inside: " + run.Stdout);

        var id = File.ReadAllText(cidFile).Trim();
        Assert.That(_engine.WaitForSavedTrace(id), Is.Not.Null, "poststop saved the trace, named by the container id");
        var show = HookProcess.Run("", "show", id, "--save-dir", _engine.SaveDir, "-Z");
        Assert.That(show.ExitCode, Is.Zero, show.ToString());
        Assert.That(show.Stdout, Does.Match(@"openat\(AT_FDCWD, 0x[0-9a-f]+, O_RDONLY\) = -1 ENOENT"), show.Stdout);
    }

    [Test]
    public void A_container_without_opt_in_is_untouched()
    {
        var id = RunDetached(traced: false, "sleep 60");
        Assert.Multiple(() =>
        {
            Assert.That(NamesTheHook(id), Is.False, "config.json was not rewritten");
            Assert.That(_engine.BundleConfig(id), Does.Not.Contain(HookBinary.Path));
            Assert.That(TestHost.HookInstances(), Has.None.StartsWith("oci-ftrace-" + id[..40]), "no instance");
        });
        var inside = _engine.Docker("exec", id, "ls", Tracing);
        Assert.That(inside.Stdout, Does.Not.Contain("trace_marker"));
        var rm = _engine.Docker("rm", "-f", id);
        Assert.That(rm.ExitCode, Is.Zero, rm.ToString());
        Assert.That(_engine.WaitForSavedTrace(id, TimeSpan.FromSeconds(2)), Is.Null, "nothing saved");
    }

    [Test]
    public void Exec_stop_kill_and_rm_f_keep_working_and_each_trace_is_saved()
    {
        // docker exec into a traced container, then docker stop (SIGTERM, which the script honours).
        var stopped = RunDetached(traced: true, "trap 'exit 0' TERM; while true; do sleep 0.2; done");
        Assert.That(NamesTheHook(stopped), Is.True, "config.json names the hook");
        Assert.That(TestHost.HookInstances(), Has.One.StartsWith("oci-ftrace-" + stopped[..40]), "its instance while it runs");
        var exec = _engine.Docker("exec", stopped, "sh", "-c", $"echo EXEC-MARK > {Tracing}/trace_marker && echo exec-ok");
        Assert.That(exec.ExitCode, Is.Zero, exec.ToString());
        Assert.That(exec.Stdout.Trim(), Is.EqualTo("exec-ok"));
        var stop = _engine.Docker("stop", "-t", "10", stopped);
        Assert.That(stop.ExitCode, Is.Zero, stop.ToString());
        Assert.That(_engine.Docker("inspect", "-f", "{{.State.ExitCode}}", stopped).Stdout.Trim(), Is.EqualTo("0"), "it ended by its trap");
        var saved = _engine.WaitForSavedTrace(stopped);
        Assert.That(saved, Is.Not.Null, "saved after docker stop");
        Assert.That(File.ReadAllText(saved!), Does.Contain("EXEC-MARK"), "the marker written through docker exec");
        Assert.That(_engine.Docker("rm", stopped).ExitCode, Is.Zero);

        var killed = RunDetached(traced: true, "sleep 300");
        var kill = _engine.Docker("kill", killed);
        Assert.That(kill.ExitCode, Is.Zero, kill.ToString());
        Assert.That(_engine.WaitForSavedTrace(killed), Is.Not.Null, "saved after docker kill");
        Assert.That(_engine.Docker("rm", killed).ExitCode, Is.Zero);

        var removed = RunDetached(traced: true, "sleep 300");
        var rm = _engine.Docker("rm", "-f", removed);
        Assert.That(rm.ExitCode, Is.Zero, rm.ToString());
        Assert.That(_engine.WaitForSavedTrace(removed), Is.Not.Null, "saved after docker rm -f");
    }

    [Test]
    public void Containerd_ctr_with_the_shim_as_runc_binary_traces_a_container_the_same_way()
    {
        var id = "oft-ctr-" + Guid.NewGuid().ToString("N")[..12];
        var run = _engine.CtrRun("--rm", "--runc-binary", ShimBinary.Path, "--rootfs", _engine.Rootfs, id,
            "/bin/sh", "-c", $"cat /nonexistent 2>/dev/null; echo CTR-MARK > {Tracing}/trace_marker; ls {Tracing}; cat {Tracing}/trace");
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Stdout, Does.Contain("trace\ntrace_marker\ntrace_pipe\n"));
        Assert.That(run.Stdout, Does.Contain("tracing_mark_write: CTR-MARK"));
        Assert.That(run.Stdout, Does.Match(@"cat-\d+ .* sys_openat\("), run.Stdout);
        Assert.That(_engine.WaitForSavedTrace(id), Is.Not.Null, "poststop saved the trace");
        var show = HookProcess.Run("", "show", id, "--save-dir", _engine.SaveDir, "-Z");
        Assert.That(show.Stdout, Does.Match(@"openat\(AT_FDCWD, 0x[0-9a-f]+, O_RDONLY\) = -1 ENOENT"), show.ToString());
    }

    [Test]
    public void Containerd_passes_annotations_so_a_container_can_opt_out_of_the_shim()
    {
        var id = "oft-ctr-" + Guid.NewGuid().ToString("N")[..12];
        var run = _engine.CtrRun("--rm", "--runc-binary", ShimBinary.Path, "--annotation", "org.ociftracehook.enabled=false",
            "--rootfs", _engine.Rootfs, id, "/bin/sh", "-c", $"ls {Tracing}; echo done");
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(run.Stdout, Does.Not.Contain("trace_marker"));
        Assert.That(run.Stdout, Does.Contain("done"));
        Assert.That(_engine.WaitForSavedTrace(id, TimeSpan.FromSeconds(2)), Is.Null, "untraced: nothing saved");
    }
}
