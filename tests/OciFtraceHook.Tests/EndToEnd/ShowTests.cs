using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>`oci-ftrace-hook show` on a real container: its live instance while it runs, its
/// trace_pipe with --follow until it ends, and its saved trace once it is gone.</summary>
[Category("EndToEnd")]
public class ShowTests : OneBundleTests
{
    private const string Tracing = "/sys/kernel/tracing";

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("show").WithHook(HookBinary.Path);
    }

    [Test]
    public void Live_then_followed_then_saved()
    {
        // The container says when its opens are done and waits for /tmp/go: show's read of the live
        // trace pauses the recording (pause-on-trace), so it must not overlap what it looks for.
        Bundle.Config["root"]!["readonly"] = false;
        Bundle.Script($"cat /etc/probe.txt >/dev/null; cat /nonexistent 2>/dev/null; touch /tmp/opened; " +
                      "while [ ! -e /tmp/go ]; do sleep 0.05; done; " +
                      $"for i in 1 2 3; do echo FOLLOW-$i > {Tracing}/trace_marker; sleep 0.3; done");
        using var container = CreatedContainer.Create(Bundle);
        container.Start();

        Wait.Until(() => File.Exists(Path.Combine(Bundle.Rootfs, "tmp", "opened")), opened => opened, TimeSpan.FromSeconds(20),
            "the container to have run its opens");
        var live = HookProcess.Run("", "show", container.Id);
        File.WriteAllText(Path.Combine(Bundle.Rootfs, "tmp", "go"), "");
        Assert.That(live.ExitCode, Is.Zero, live.ToString());
        Assert.That(live.Stdout, Does.Match(@"openat\(AT_FDCWD, 0x[0-9a-f]+, O_RDONLY\) = -1 ENOENT \(No such file or directory\)"),
            "the live instance, decoded: " + live.Stdout);
        Assert.That(live.Stdout, Does.Match(@"openat\(AT_FDCWD, 0x[0-9a-f]+, O_RDONLY\) = 3"));

        // --follow streams trace_pipe and ends by itself when the container's program has ended.
        var follow = HookProcess.Run("", "show", container.Id, "--follow", "-e", "trace=write");
        Assert.That(follow.ExitCode, Is.Zero, follow.ToString());
        foreach (var i in new[] { 1, 2, 3 })
            Assert.That(follow.Stdout, Does.Contain($"--- trace_marker: FOLLOW-{i} ---"), follow.Stdout);
        Assert.That(follow.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries),
            Is.All.Match(@"(write\(|<\.\.\. write resumed>|--- trace_marker: )"), "only writes and markers, as asked");

        container.WaitUntilStopped(TimeSpan.FromSeconds(10));
        container.Delete(); // poststop; its detached gc saves the trace
        var saved = HookProcess.Run("", "show", container.Id, "--save-dir", Bundle.SaveDir, "--summary");
        Assert.That(saved.ExitCode, Is.Zero, saved.ToString());
        Assert.That(saved.Stdout, Does.Match(@"\n\s*[\d.]+\s+[\d.]+\s+\d+\s+\d+\s+\d+ openat\n"), "openat with its error count: " + saved.Stdout);
        Assert.That(saved.Stdout, Does.Contain("lost events: 0"));
        var savedText = HookProcess.Run("", "show", container.Id, "--save-dir", Bundle.SaveDir);
        Assert.That(savedText.Stdout, Does.Contain("--- trace_marker: FOLLOW-3 ---"),
            "what --follow consumed from trace_pipe is in the saved trace too");
    }

    [Test]
    public void A_saved_trace_is_found_by_the_name_the_engine_gave_and_by_an_id_prefix()
    {
        // Kubernetes runtimes name containers in these annotations; the trace carries the name.
        Bundle.Annotate("io.kubernetes.pod.name", "web-7f9c").Annotate("io.kubernetes.container.name", "app")
            .Script("cat /nonexistent 2>/dev/null; true");
        var id = "oft-named-" + Guid.NewGuid().ToString("N")[..12];
        var run = Runc.Run(Bundle, id);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        var saved = Bundle.SavedTraces().Single();
        Assert.That(Path.GetFileName(saved), Does.Contain("-web-7f9c_app-"));
        Assert.That(SavedTraceText.Metadata(saved)?.Name, Is.EqualTo("web-7f9c/app"), "the trace carries the engine's name");
        foreach (var query in new[] { "web-7f9c/app", id[..16], id })
        {
            var show = HookProcess.Run("", "show", query, "--save-dir", Bundle.SaveDir, "-Z");
            Assert.That(show.ExitCode, Is.Zero, $"{query}: {show}");
            Assert.That(show.Stdout, Does.Contain("= -1 ENOENT (No such file or directory)"), query);
        }
        var unknownName = HookProcess.Run("", "show", "web-7f9c/other", "--save-dir", Bundle.SaveDir);
        Assert.That(unknownName.Stderr, Does.Contain("no container has the id or name 'web-7f9c/other'"));
    }

    /// <summary>One pod name in two namespaces: before, the names did not carry the namespace, so
    /// `show web/app` could not tell the two apart. Now each is found by its whole name, and the short
    /// one lists both rather than pick one.</summary>
    [Test]
    public void Two_namespaces_pods_of_one_name_are_found_by_their_whole_names_and_never_mixed()
    {
        var ids = new List<string>();
        foreach (var ns in new[] { "shop", "blog" })
        {
            Bundle.Annotate("io.kubernetes.pod.namespace", ns).Annotate("io.kubernetes.pod.name", "web").Annotate("io.kubernetes.container.name", "app")
                .Script($"echo MARK-{ns} > {Tracing}/trace_marker");
            var id = $"oft-ns-{ns}-" + Guid.NewGuid().ToString("N")[..8];
            Assert.That(Runc.Run(Bundle, id).ExitCode, Is.Zero);
            ids.Add(id);
        }
        var both = HookProcess.Run("", "show", "web/app", "--save-dir", Bundle.SaveDir);
        Assert.That(both.ExitCode, Is.Not.Zero);
        Assert.That(both.Stderr, Does.Contain("'web/app' matches several containers: ").And.Contain(ids[0]).And.Contain(ids[1]));
        var shop = HookProcess.Run("", "show", "shop/web/app", "--save-dir", Bundle.SaveDir);
        Assert.That(shop.ExitCode, Is.Zero, shop.ToString());
        Assert.That(shop.Stdout, Does.Contain("MARK-shop").And.Not.Contain("MARK-blog"));
    }

    [Test]
    public void An_unknown_container_is_one_clear_error()
    {
        var result = HookProcess.Run("", "show", "no-such-container", "--save-dir", Bundle.SaveDir);
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.Stderr.Trim(), Does.StartWith("oci-ftrace-hook: error: no live instance and no saved trace for container no-such-container"));
    }

    [TestCase("--nope", "show: unknown option '--nope'")]
    [TestCase("-e", "show: -e needs a value")]
    [TestCase("-e%nosuchclass", "show: unknown class '%nosuchclass'")]
    public void Bad_options_are_usage_errors(string option, string message)
    {
        var result = HookProcess.Run("", "show", option);
        Assert.That(result.ExitCode, Is.EqualTo(2), result.ToString());
        Assert.That(result.Stderr, Does.Contain(message));
    }
}
