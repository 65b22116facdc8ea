using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: the rootfs belongs to the container's owner. A symlink in the mount path, aimed
/// at a host directory, or swapped in while the hook works, must never make the root-run hook create
/// or mount anything on the host: the hook refuses with a clear line and leaves nothing.</summary>
[Category("EndToEnd")]
public class HostileRootfsTests : OneBundleTests
{
    private string _hostDir = null!;

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("hostile").WithHook(HookBinary.Path).Script("echo PROGRAM-RAN");
        _hostDir = Path.Combine(TestHost.TempRoot, "host-dir-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_hostDir);
    }

    [TearDown]
    public void RemoveHostDir()
    {
        if (_hostDir is not null) Directory.Delete(_hostDir, recursive: true);
    }

    private void AssertRefusedAndHostUntouched(ProcessResult result)
    {
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
            Assert.That(result.Stdout, Does.Not.Contain("PROGRAM-RAN"));
            Assert.That(result.Stderr, Does.Contain("oci-ftrace-hook: error: prestart failed").And.Contain("a symlink in the path is refused"));
            Assert.That(Directory.GetFileSystemEntries(_hostDir), Is.Empty, "the host directory is untouched");
            Assert.That(Bundle.SavedTraces(), Is.Empty);
        });
    }

    [Test]
    public void A_parent_of_the_mount_path_is_an_absolute_symlink_to_the_host()
    {
        File.CreateSymbolicLink(Path.Combine(Bundle.Rootfs, "data"), _hostDir);
        Bundle.Annotate(HookSettings.MountPathKey, "/data/trace");
        AssertRefusedAndHostUntouched(Runc.Run(Bundle));
    }

    [Test]
    public void A_parent_of_the_mount_path_is_a_relative_symlink_climbing_out()
    {
        Directory.CreateDirectory(Path.Combine(Bundle.Rootfs, "opt"));
        File.CreateSymbolicLink(Path.Combine(Bundle.Rootfs, "opt", "data"), "../../../../../../../../.." + _hostDir);
        Bundle.Annotate(HookSettings.MountPathKey, "/opt/data/trace");
        AssertRefusedAndHostUntouched(Runc.Run(Bundle));
    }

    [Test]
    public void The_mount_path_itself_is_a_symlink_to_the_host()
    {
        File.CreateSymbolicLink(Path.Combine(Bundle.Rootfs, "trace"), _hostDir);
        Bundle.Annotate(HookSettings.MountPathKey, "/trace");
        AssertRefusedAndHostUntouched(Runc.Run(Bundle));
    }

    [Test]
    public void A_symlink_swapped_in_while_the_hook_works_never_reaches_the_host()
    {
        // A host thread flips rootfs/race/link between a real directory and a symlink to the host
        // directory as fast as it can, while containers start whose mount path goes through it and
        // needs a directory created below it.
        var race = Path.Combine(Bundle.Rootfs, "race");
        Directory.CreateDirectory(race);
        var link = Path.Combine(race, "link");
        var real = Path.Combine(race, "real");
        var symlink = Path.Combine(race, "symlink");
        Directory.CreateDirectory(real);
        File.CreateSymbolicLink(symlink, _hostDir);
        Bundle.Annotate(HookSettings.MountPathKey, "/race/link/sub");
        using var stop = new CancellationTokenSource();
        var flipper = Task.Run(() =>
        {
            var toggle = false;
            while (!stop.IsCancellationRequested)
            {
                // rename(2) over the name swaps atomically between the two.
                var source = toggle ? Path.Combine(race, "real-spare") : Path.Combine(race, "symlink-spare");
                if (!Path.Exists(source))
                {
                    if (toggle) Directory.CreateDirectory(source);
                    else File.CreateSymbolicLink(source, _hostDir);
                }
                try
                {
                    Interop.Check(RenameAt(source, link), "rename");
                }
                catch (IOException)
                {
                }
                toggle = !toggle;
            }
        });
        var outcomes = new List<string>();
        try
        {
            for (var i = 0; i < 12; i++)
            {
                var result = Runc.Run(Bundle);
                outcomes.Add(result.ExitCode == 0 ? "traced" : result.Stderr.Contains("symlink") ? "refused" : "other: " + result.Stderr);
                Assert.That(Directory.GetFileSystemEntries(_hostDir), Is.Empty, $"the host directory is untouched after run {i}");
            }
        }
        finally
        {
            stop.Cancel();
            flipper.Wait();
        }
        Assert.That(outcomes, Is.All.EqualTo("traced").Or.EqualTo("refused"), string.Join("\n", outcomes));
        TestContext.Out.WriteLine("outcomes: " + string.Join(", ", outcomes));
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int RenameAt(string from, string to);
}
