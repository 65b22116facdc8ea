using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: the save directory an annotation picked is swapped while the container runs,
/// by an unprivileged user who owns a directory on its path, to make root write the trace (with
/// text the container wrote into it) somewhere else. Only directories hook.conf allows are ever
/// picked, and poststop opens the directory by handle without following a symlink and checks that it
/// is still root's: nothing is written outside, and the trace goes to the host's own directory.</summary>
[Category("EndToEnd")]
public class SaveDirectoryTests : OneBundleTests
{
    private const string Tracing = "/sys/kernel/tracing";
    private const int Nobody = 65534;
    private string _area = null!;

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        if (HostRequirements.Which("setpriv") is null) Assert.Ignore("end-to-end test skipped: setpriv (util-linux) is missing");
        _area = Path.Combine(TestHost.TempRoot, "save-area-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_area);
        Bundle = BusyboxBundle.Create("swap").WithHook(HookBinary.Path);
    }

    [TearDown]
    public void RemoveArea()
    {
        if (_area is not null && Directory.Exists(_area)) Directory.Delete(_area, recursive: true);
    }

    // A symlink in its place (refused: a component is a symlink), or a directory of the user's own
    // (refused: owned by uid 65534).
    [TestCase("ln -s \"$1\" traces")]
    [TestCase("mkdir traces")]
    public void A_save_directory_swapped_while_the_container_runs_gets_nothing_written_outside(string swap)
    {
        // A user's home, and in it the directory the administrator made for that user's traces.
        var home = Path.Combine(_area, "home");
        Directory.CreateDirectory(home);
        Assert.That(Mono.Unix.Native.Syscall.chown(home, Nobody, Nobody), Is.Zero);
        var traces = Path.Combine(home, "traces");
        Directory.CreateDirectory(traces, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        // Stands in for /etc: root's, and not a place for traces.
        var standIn = Path.Combine(_area, "etc");
        Directory.CreateDirectory(standIn);
        Bundle.HostConfig($"allowed-save-dirs = {traces}\n").Annotate(HookSettings.SaveDirKey, traces)
            .Script($"echo 'MARK-SWAP root::0:0::/:/bin/sh' > {Tracing}/trace_marker");

        // Created: prestart has accepted the directory and written its record. The swap comes
        // between that and the save, which poststop's gc makes once the container is deleted.
        using var container = CreatedContainer.Create(Bundle);
        Assert.That(new OciFtraceHook.Records.InstanceRecords().All().Any(r => r.Record.Bundle == Bundle.Dir), Is.True,
            "prestart accepted the directory");
        var swapped = ProcessRunner.Run("setpriv", ["--reuid", $"{Nobody}", "--regid", $"{Nobody}", "--clear-groups", "/bin/sh", "-c",
            $"cd \"$0\" && mv traces traces.old && {swap}", home, standIn]);
        Assert.That(swapped.ExitCode, Is.Zero, "the unprivileged user swaps the directory: " + swapped);
        container.Start();
        container.WaitUntilStopped(TimeSpan.FromSeconds(20));
        container.Delete();

        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFileSystemEntries(standIn), Is.Empty, "nothing is written into the stand-in for /etc");
            Assert.That(Directory.GetFileSystemEntries(Path.Combine(home, "traces.old")), Is.Empty, "nor into the moved directory");
            if (!swap.StartsWith("ln")) Assert.That(Directory.GetFileSystemEntries(traces), Is.Empty, "nor into the user's own directory");
            Assert.That(Bundle.SavedTraces(), Has.Length.EqualTo(1), "the trace went to the host's save directory instead");
        });
        Assert.That(File.ReadAllText(Bundle.SavedTraces()[0]), Does.Contain("MARK-SWAP"));
    }

    [Test]
    public void An_allowed_directory_receives_the_trace()
    {
        var team = Path.Combine(_area, "team");
        Directory.CreateDirectory(team, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Bundle.HostConfig($"allowed-save-dirs = {team}\n").Annotate(HookSettings.SaveDirKey, team)
            .Script($"echo MARK-TEAM > {Tracing}/trace_marker");
        var result = Runc.Run(Bundle);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(Bundle.SavedTraces(), Is.Empty);
        Assert.That(File.ReadAllText(Directory.GetFiles(team, "*.dat").Single()), Does.Contain("MARK-TEAM"));
    }
}
