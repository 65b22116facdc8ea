using System.Text.Json.Nodes;
using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>A seccomp profile made from a real trace lets the same workload run with the same
/// output under runc and podman, and refuses (EPERM) a call the traced run never made while the
/// rest still runs. It allows a short list, not everything.</summary>
[Category("EndToEnd")]
public class SeccompProfileTests : ManyBundleTests
{
    private const string Workload = "cat /etc/probe.txt; ls /etc; echo done";
    private const string WorkloadWithMkdir = "cat /etc/probe.txt; mkdir /tmp/new; echo mkdir-exit=$?; ls /etc; echo done";

    [SetUp]
    public void Require() => HostRequirements.RequireRuncAndTraceFs();

    private BusyboxBundle Bundle(string name, string script, bool traced)
    {
        var bundle = BusyboxBundle.Create(name).Script(script);
        bundle.Config["root"]!["readonly"] = false;
        if (traced) bundle.WithHook(HookBinary.Path);
        return Track(bundle);
    }

    /// <summary>Runs the workload traced and makes a profile from its saved trace.</summary>
    private (string Output, string Profile) TraceAndProfile(string script, params string[] extraArgs)
    {
        var traced = Bundle("seccomp-traced", script, traced: true);
        var run = Runc.Run(traced);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var profile = Path.Combine(traced.Dir, "profile.json");
        var make = HookProcess.Run("", ["seccomp", "--file", traced.SavedTraces().Single(), "-o", profile, .. extraArgs]);
        Assert.That(make.ExitCode, Is.Zero, make.ToString());
        return (run.Stdout, profile);
    }

    private ProcessResult RunConfined(string script, string profile)
    {
        var confined = Bundle("seccomp-confined", script, traced: false);
        confined.Config["linux"]!["seccomp"] = JsonNode.Parse(File.ReadAllText(profile));
        return Runc.Run(confined);
    }

    [Test]
    public void The_profile_refuses_by_default_and_allows_a_short_list_of_kernel_names()
    {
        var (_, profile) = TraceAndProfile(Workload);
        var json = JsonNode.Parse(File.ReadAllText(profile))!;
        var names = json["syscalls"]![0]!["names"]!.AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(json["defaultAction"]!.GetValue<string>(), Is.EqualTo("SCMP_ACT_ERRNO"));
            Assert.That(json["defaultErrnoRet"]!.GetValue<int>(), Is.EqualTo(1), "EPERM");
            Assert.That(json["syscalls"]![0]!["action"]!.GetValue<string>(), Is.EqualTo("SCMP_ACT_ALLOW"));
            Assert.That(names, Has.Count.LessThan(70), "a short list, not most of the ~360 syscalls");
            Assert.That(names, Does.Contain("openat").And.Contain("execve").And.Contain("getdents64"));
            Assert.That(names, Does.Not.Contain("mkdir").And.Not.Contain("mkdirat").And.Not.Contain("mount"));
            Assert.That(names, Does.Not.Contain("newuname"), "kernel names, not ftrace event names");
        });
    }

    [Test]
    public void The_same_workload_runs_with_the_same_output_under_the_profile()
    {
        var (tracedOutput, profile) = TraceAndProfile(Workload);
        var confined = RunConfined(Workload, profile);
        Assert.That(confined.ExitCode, Is.Zero, confined.ToString());
        Assert.That(confined.Stdout, Is.EqualTo(tracedOutput));
    }

    [Test]
    public void A_call_the_traced_run_never_made_fails_with_EPERM_and_the_rest_runs()
    {
        var (_, profile) = TraceAndProfile(Workload);
        var confined = RunConfined(WorkloadWithMkdir, profile);
        Assert.That(confined.ExitCode, Is.Zero, confined.ToString());
        Assert.That(confined.Stderr, Does.Contain("can't create directory '/tmp/new': Operation not permitted"));
        Assert.That(confined.Stdout, Does.Contain("mkdir-exit=1").And.EndsWith("done\n"));
    }

    [Test]
    public void Without_the_runtimes_own_calls_the_container_cannot_start()
    {
        // What runc init does after loading the filter is not in a trace that starts at the exec:
        // that is why the profile adds it.
        var (_, profile) = TraceAndProfile(Workload, "--runtime", "none");
        var confined = RunConfined(Workload, profile);
        Assert.That(confined.ExitCode, Is.Not.Zero, "runc init is refused a call it makes after loading the filter");
        Assert.That(confined.Stdout, Does.Not.Contain("done"));
    }

    /// <summary>A call the container's own filter refused (mkdir here) leaves only its exit event,
    /// with EPERM: before, the profile allowed it as if it had run.</summary>
    [Test]
    public void A_call_refused_by_the_containers_filter_is_not_allowed_by_the_profile_made_from_its_trace()
    {
        var traced = Bundle("seccomp-refused", WorkloadWithMkdir, traced: true);
        traced.Config["linux"]!["seccomp"] = JsonNode.Parse("""
            {"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_AARCH64"],
             "syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}
            """);
        var run = Runc.Run(traced);
        Assert.That(run.Stdout, Does.Contain("mkdir-exit=1"), run.ToString());
        var saved = traced.SavedTraces().Single();
        var shown = HookProcess.Run("", "show", "--file", saved, "-e", "trace=mkdir,mkdirat");
        Assert.That(shown.Stdout, Does.Match(@"<\.\.\. mkdir(at)? resumed>\) = -1 EPERM"), "only the exit, with the filter's error: " + shown);
        Assert.That(shown.Stdout, Does.Not.Match(@"\d mkdir(at)?\("), "no enter event");

        var profile = HookProcess.Run("", "seccomp", "--file", saved, "--runtime", "none");
        Assert.That(profile.ExitCode, Is.Zero, profile.ToString());
        Assert.That(profile.Stdout, Does.Not.Contain("\"mkdir\"").And.Not.Contain("\"mkdirat\"").And.Contain("\"execve\""),
            "refused calls are no evidence; execve, whose exit alone opens the trace with 0, is");
    }

    [Test]
    public void Traces_of_several_runs_merge_into_one_profile()
    {
        var (_, first) = TraceAndProfile(Workload);
        var (mkdirOutput, second) = TraceAndProfile(WorkloadWithMkdir);
        var merged = Path.Combine(TestHost.TempRoot, $"merged-{Guid.NewGuid():N}.json");
        try
        {
            var traces = Bundles.Where(b => b.SavedTraces().Length > 0).Select(b => b.SavedTraces().Single()).ToArray();
            Assert.That(traces, Has.Length.EqualTo(2));
            var make = HookProcess.Run("", "seccomp", "--file", traces[0], "--file", traces[1], "-o", merged);
            Assert.That(make.ExitCode, Is.Zero, make.ToString());
            var confined = RunConfined(WorkloadWithMkdir, merged);
            Assert.That(confined.ExitCode, Is.Zero, confined.ToString());
            Assert.That(confined.Stdout, Is.EqualTo(mkdirOutput), "mkdir is allowed once a traced run made it");
            Assert.That(first, Is.Not.EqualTo(second));
        }
        finally
        {
            File.Delete(merged);
        }
    }

    [Test]
    public void Podman_traced_then_confined_with_security_opt()
    {
        var podman = HostRequirements.Which("podman");
        if (podman is null) Assert.Ignore("end-to-end test skipped: podman is not installed (apt-get install podman)");
        var bundle = Bundle("seccomp-podman", Workload, traced: false);
        // The hook through a hooks directory of the test's own, the way the package installs it.
        var hooksDir = Path.Combine(bundle.Dir, "hooks.d");
        Directory.CreateDirectory(hooksDir);
        foreach (var stage in new[] { "prestart", "poststop" })
        {
            File.WriteAllText(Path.Combine(hooksDir, $"oci-ftrace-hook-{stage}.json"), new JsonObject
            {
                ["version"] = "1.0.0",
                ["hook"] = new JsonObject { ["path"] = HookBinary.Path, ["args"] = new JsonArray("oci-ftrace-hook", stage, "--config", bundle.ConfigPath) },
                ["when"] = new JsonObject { ["annotations"] = new JsonObject { [@"^org\.ociftracehook\.enabled$"] = "^true$" } },
                ["stages"] = new JsonArray(stage),
            }.ToJsonString());
        }
        ProcessResult Podman(string script, params string[] options) => ProcessRunner.Run(podman, [
            "--runtime", "runc", "--cgroup-manager", "cgroupfs", "--hooks-dir", hooksDir, "run", "--rm",
            "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096", .. options, "--rootfs", bundle.Rootfs, "sh", "-c", script,
        ], timeout: TimeSpan.FromMinutes(2));

        var traced = Podman(Workload, "--annotation", $"{HookSettings.EnabledKey}=true");
        Assert.That(traced.ExitCode, Is.Zero, traced.ToString());
        var profile = Path.Combine(bundle.Dir, "podman-profile.json");
        var make = HookProcess.Run("", "seccomp", "--file", bundle.SavedTraces().Single(), "-o", profile);
        Assert.That(make.ExitCode, Is.Zero, make.ToString());

        var same = Podman(Workload, "--security-opt", $"seccomp={profile}");
        Assert.That(same.ExitCode, Is.Zero, same.ToString());
        Assert.That(same.Stdout, Is.EqualTo(traced.Stdout));
        var refused = Podman(WorkloadWithMkdir, "--security-opt", $"seccomp={profile}");
        Assert.That(refused.ExitCode, Is.Zero, refused.ToString());
        Assert.That(refused.Stderr, Does.Contain("can't create directory '/tmp/new': Operation not permitted"));
        Assert.That(refused.Stdout, Does.Contain("mkdir-exit=1").And.EndsWith("done\n"));
    }

    [TestCase("--errno", "EBOGUS", "seccomp: unknown errno 'EBOGUS'")]
    [TestCase("--runtime", "kata", "seccomp: unknown runtime 'kata'")]
    public void Bad_options_are_clear_errors(string option, string value, string message)
    {
        var (_, _) = TraceAndProfile("true");
        var trace = Bundles[0].SavedTraces().Single();
        var result = HookProcess.Run("", "seccomp", "--file", trace, option, value);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain(message));
    }
}
