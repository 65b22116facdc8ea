using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd.Package;

/// <summary>The hook as users install it: the .deb that hooks/build-deb makes, installed with dpkg,
/// picked up by real podman through hooks.d for containers that opt in by annotation, and removed
/// without a trace.</summary>
[Category("EndToEnd")]
[NonParallelizable]
public class DebPackageTests
{
    private const string Binary = "/usr/libexec/oci-ftrace-hook/oci-ftrace-hook";
    private const string SaveDir = "/var/lib/oci-ftrace-hook/traces";
    private const string Tracing = "/sys/kernel/tracing";
    private string _work = null!;
    private string _deb = null!;
    private string _rootfs = null!;
    private bool _installed;
    private bool _daemonJsonExisted;

    /// <summary>Only "install ok installed" is an installed package: one removed but not purged
    /// ("deinstall ok config-files") has left only its conffiles, and the tests may install over it.</summary>
    private static bool IsInstalled()
    {
        var status = ProcessRunner.Run("dpkg-query", ["-W", "-f=${Status}", "oci-ftrace-hook"]);
        return status.ExitCode == 0 && status.Stdout.Trim() == "install ok installed";
    }

    [OneTimeSetUp]
    public void BuildAndInstall()
    {
        HostRequirements.RequireRuncAndTraceFs();
        if (HostRequirements.Which("podman") is null) Assert.Ignore("end-to-end test skipped: podman is not installed (apt-get install podman)");
        if (HostRequirements.Which("dpkg-deb") is null) Assert.Ignore("end-to-end test skipped: dpkg-deb is missing");
        if (IsInstalled())
            Assert.Ignore("end-to-end test skipped: oci-ftrace-hook is already installed on this host; the tests would replace it");
        _daemonJsonExisted = File.Exists("/etc/docker/daemon.json");
        _work = Path.Combine(TestHost.TempRoot, "deb-" + Guid.NewGuid().ToString("N")[..8]);
        var build = ProcessRunner.Run(Path.Combine(HookBinary.RepositoryRoot, "hooks", "build-deb"), [Path.Combine(_work, "out")],
            timeout: TimeSpan.FromMinutes(10));
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        _deb = build.Stdout.Trim().Split('\n').Last();
        Install();
        _rootfs = Path.Combine(_work, "rootfs");
        Directory.CreateDirectory(Path.Combine(_rootfs, "bin"));
        foreach (var dir in new[] { "etc", "proc", "sys", "dev", "tmp" }) Directory.CreateDirectory(Path.Combine(_rootfs, dir));
        File.Copy(HostRequirements.BusyboxPath, Path.Combine(_rootfs, "bin", "busybox"));
        foreach (var applet in new[] { "sh", "cat", "ls", "grep", "echo", "true" })
            File.CreateSymbolicLink(Path.Combine(_rootfs, "bin", applet), "busybox");
        File.WriteAllText(Path.Combine(_rootfs, "etc", "probe.txt"), "probe\n");
    }

    [OneTimeTearDown]
    public void Purge()
    {
        if (_installed) ProcessRunner.Run("dpkg", ["--purge", "oci-ftrace-hook"]);
        if (_work is not null) Directory.Delete(_work, recursive: true);
    }

    private void Install()
    {
        var install = ProcessRunner.Run("dpkg", ["-i", _deb]);
        Assert.That(install.ExitCode, Is.Zero, install.ToString());
        _installed = true;
    }

    private const string CdiSpec = "/etc/cdi/oci-ftrace-hook.json";
    private const string CdiDevice = "ociftracehook.org/trace=on";

    private ProcessResult Podman(string script, bool optIn = true, bool nprocUlimit = true, string? name = null, string? device = null)
    {
        var args = new List<string> { "--runtime", "runc", "--cgroup-manager", "cgroupfs", "run", "--rm", "--ulimit", "nofile=1024:1024" };
        if (device is not null) args.AddRange(["--device", device]);
        if (nprocUlimit) args.AddRange(["--ulimit", "nproc=4096:4096"]);
        if (optIn) args.AddRange(["--annotation", "org.ociftracehook.enabled=true"]);
        if (name is not null) args.AddRange(["--name", name]);
        args.AddRange(["--rootfs", _rootfs, "sh", "-c", script]);
        return ProcessRunner.Run(HostRequirements.Which("podman")!, args, timeout: TimeSpan.FromMinutes(2));
    }

    private static string[] SavedTraces()
    {
        PendingSaves.WaitFor();
        // Named by format: .dat for a trace.dat, .txt for text.
        return Directory.Exists(SaveDir)
            ? Directory.GetFiles(SaveDir).Where(f => f.EndsWith(".dat", StringComparison.Ordinal) || f.EndsWith(".txt", StringComparison.Ordinal)).ToArray()
            : [];
    }

    [Test]
    public void Lintian_finds_no_error()
    {
        if (HostRequirements.Which("lintian") is null) Assert.Ignore("lintian is not installed (apt-get install lintian)");
        var lintian = ProcessRunner.Run("lintian", [_deb], timeout: TimeSpan.FromMinutes(5));
        Assert.That(lintian.Stdout.Split('\n').Where(l => l.StartsWith("E: ", StringComparison.Ordinal)), Is.Empty, lintian.ToString());
    }

    [Test]
    public void The_package_installs_the_hook_where_engines_find_it()
    {
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(Binary), Is.True);
            Assert.That(File.Exists("/usr/libexec/oci-ftrace-hook/libMonoPosixHelper.so"), Is.True);
            Assert.That(File.Exists("/usr/share/containers/oci/hooks.d/oci-ftrace-hook-prestart.json"), Is.True);
            Assert.That(File.Exists("/usr/share/containers/oci/hooks.d/oci-ftrace-hook-poststop.json"), Is.True);
            Assert.That(File.Exists("/etc/oci-ftrace-hook/hook.conf"), Is.True);
            Assert.That(File.Exists(CdiSpec), Is.True, "the CDI spec");
            Assert.That(File.ReadAllText("/usr/share/containers/oci/hooks.d/oci-ftrace-hook-prestart.json"), Does.Contain("\"env\""),
                "the hooks.d entry sets the hook's environment itself");
            foreach (var snippet in new[] { "README", "docker-daemon.json", "containerd-config.toml", "runtimeclass.yaml" })
                Assert.That(File.Exists($"/usr/share/doc/oci-ftrace-hook/examples/{snippet}"), Is.True, snippet);
            Assert.That(File.Exists("/etc/docker/daemon.json"), Is.EqualTo(_daemonJsonExisted), "an engine's configuration is never written");
        });
        var version = ProcessRunner.Run("/usr/bin/oci-ftrace-hook", ["--version"]);
        Assert.That(version.Stdout, Does.StartWith("oci-ftrace-hook "), "the command on PATH runs");
        // The runtime shim: runc's --version, through the link engines are given.
        var shimVersion = ProcessRunner.Run("/usr/libexec/oci-ftrace-hook/oci-ftrace-runc", ["--version"]);
        Assert.That(shimVersion.Stdout, Does.StartWith("runc version"), shimVersion.ToString());
    }

    [Test]
    public void An_opted_in_podman_container_reads_its_own_trace_and_it_is_saved_after_rm()
    {
        var before = SavedTraces();
        var result = Podman($"cat /etc/probe.txt >/dev/null; echo MARK-podman > {Tracing}/trace_marker; ls {Tracing}; grep -c MARK-podman {Tracing}/trace");
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Is.EqualTo("trace\ntrace_marker\ntrace_pipe\n1\n"));
        var saved = SavedTraces().Except(before).ToArray();
        Assert.That(saved, Has.Length.EqualTo(1), "the trace survives podman run --rm");
        try
        {
            var id = SavedTraceText.ContainerId(saved[0]);
            var show = ProcessRunner.Run("/usr/bin/oci-ftrace-hook", ["show", id[..12], "-e", "trace=openat"]);
            Assert.That(show.ExitCode, Is.Zero, show.ToString());
            Assert.That(show.Stdout, Does.Match(@"openat\(AT_FDCWD, 0x[0-9a-f]+, O_RDONLY\) = 3"), "show finds it by an id prefix");
        }
        finally
        {
            foreach (var file in saved) File.Delete(file);
        }
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty);
    }

    /// <summary>CDI: the package's spec adds both hooks to a container asked for with --device,
    /// without the annotation; asked both ways, the container is traced once.</summary>
    [Test]
    public void A_podman_container_asked_for_with_the_cdi_device_reads_its_own_trace_and_is_saved()
    {
        var before = SavedTraces();
        var result = Podman($"echo MARK-cdi > {Tracing}/trace_marker; ls {Tracing}; grep -c MARK-cdi {Tracing}/trace", optIn: false, device: CdiDevice);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Is.EqualTo("trace\ntrace_marker\ntrace_pipe\n1\n"));
        var both = Podman("true", optIn: true, device: CdiDevice);
        Assert.That(both.ExitCode, Is.Zero, "named twice (hooks.d and CDI), the start is traced once: " + both);
        var saved = SavedTraces().Except(before).ToArray();
        try
        {
            Assert.That(saved, Has.Length.EqualTo(2), "one trace each");
        }
        finally
        {
            foreach (var file in saved) File.Delete(file);
        }
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty);
    }

    [Test]
    public void A_cdi_spec_edited_into_something_invalid_is_one_clear_error_from_the_engine_and_nothing_is_left()
    {
        var spec = File.ReadAllText(CdiSpec);
        try
        {
            File.WriteAllText(CdiSpec, spec.Replace("\"hookName\": \"prestart\"", "\"hookName\": \"prestart\",, oops", StringComparison.Ordinal));
            var result = Podman("echo RAN", optIn: false, device: CdiDevice);
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
            Assert.That(result.Stdout, Does.Not.Contain("RAN"));
            Assert.That(result.Stderr, Does.Contain("ociftracehook.org/trace"), "the engine names the device it could not resolve");
        }
        finally
        {
            File.WriteAllText(CdiSpec, spec);
        }
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "nothing was made");
    }

    [Test]
    public void A_container_that_does_not_opt_in_is_untouched()
    {
        var before = SavedTraces();
        var result = Podman($"ls {Tracing} | wc -l; echo ran", optIn: false);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(result.Stdout, Is.EqualTo("0\nran\n"));
        Assert.That(SavedTraces().Except(before), Is.Empty);
        Assert.That(TestHost.HookInstances(), Is.Empty);
    }

    [Test]
    public void A_start_that_fails_after_prestart_is_collected_by_gc()
    {
        var before = SavedTraces();
        // Without an nproc ulimit runc fails to set an rlimit after the prestart hook has run: the
        // container never starts and podman runs no poststop.
        var result = Podman("echo PROGRAM-RAN", nprocUlimit: false);
        if (result.ExitCode == 0) Assert.Ignore("on this host podman starts the container without --ulimit nproc: no failed start to collect");
        Assert.That(TestHost.HookInstances(), Is.Not.Empty, "the failed start left its instance");
        var gc = ProcessRunner.Run("/usr/bin/oci-ftrace-hook", ["gc"]);
        Assert.That(gc.ExitCode, Is.Zero, gc.ToString());
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "gc removed it");
        var saved = SavedTraces().Except(before).ToArray();
        Assert.That(saved, Has.Length.EqualTo(1), "after saving its trace");
        foreach (var file in saved) File.Delete(file);
    }

    [Test]
    public void Without_root_the_hook_says_so_in_one_line_and_follows_the_failure_policy()
    {
        var bundle = Path.Combine(_work, "bundle-unprivileged");
        Directory.CreateDirectory(bundle);
        File.WriteAllText(Path.Combine(bundle, "config.json"), "{\"root\": {\"path\": \"rootfs\"}}");
        var state = HookProcess.State("c-rootless", 4242, bundle);
        var refused = ProcessRunner.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Binary, "prestart"], stdin: state);
        Assert.That(refused.ExitCode, Is.EqualTo(1), refused.ToString());
        Assert.That(refused.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1));
        Assert.That(refused.Stderr, Does.Contain("cannot trace: the hook runs without root"));

        File.WriteAllText(Path.Combine(bundle, "config.json"),
            "{\"root\": {\"path\": \"rootfs\"}, \"annotations\": {\"org.ociftracehook.on-failure\": \"warn\"}}");
        var warned = ProcessRunner.Run("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Binary, "prestart"], stdin: state);
        Assert.That(warned.ExitCode, Is.Zero, warned.ToString());
        Assert.That(warned.Stderr, Does.Contain("starts untraced").And.Contain("without root"));
    }

    [Test]
    public void Upgrade_over_itself_then_remove_and_purge_leave_nothing()
    {
        Install(); // the same version again, over itself
        Assert.That(Podman("true").ExitCode, Is.Zero, "still works after the upgrade");
        foreach (var file in SavedTraces()) File.Delete(file);
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty);

        try
        {
            RemoveAndPurge();
        }
        finally
        {
            Install(); // for the tests that may still run after this one
        }
    }

    private void RemoveAndPurge()
    {
        var remove = ProcessRunner.Run("dpkg", ["-r", "oci-ftrace-hook"]);
        Assert.That(remove.ExitCode, Is.Zero, remove.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(Binary), Is.False);
            Assert.That(Directory.Exists("/usr/libexec/oci-ftrace-hook"), Is.False);
            Assert.That(!Directory.Exists("/usr/share/containers/oci/hooks.d")
                        || Directory.GetFiles("/usr/share/containers/oci/hooks.d", "oci-ftrace-hook*").Length == 0, Is.True);
            Assert.That(Directory.Exists("/run/oci-ftrace-hook"), Is.False);
            Assert.That(File.Exists("/etc/oci-ftrace-hook/hook.conf"), Is.True, "dpkg -r keeps the configuration");
            Assert.That(File.Exists(CdiSpec), Is.True, "and the CDI spec, a conffile too");
        });
        var purge = ProcessRunner.Run("dpkg", ["--purge", "oci-ftrace-hook"]);
        Assert.That(purge.ExitCode, Is.Zero, purge.ToString());
        _installed = false;
        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists("/etc/oci-ftrace-hook"), Is.False);
            Assert.That(File.Exists(CdiSpec), Is.False, "purge removes the CDI spec");
            Assert.That(Directory.Exists("/var/lib/oci-ftrace-hook"), Is.False);
            Assert.That(IsInstalled(), Is.False);
            Assert.That(ProcessRunner.Run("dpkg-query", ["-W", "oci-ftrace-hook"]).ExitCode, Is.Not.Zero, "purged: dpkg forgot it");
            Assert.That(TestHost.HookInstances(), Is.Empty);
        });
    }
}
