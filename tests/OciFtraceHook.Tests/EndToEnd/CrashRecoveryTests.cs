using OciFtraceHook.Records;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: the hook killed midway, a runtime that never runs poststop, a container id
/// reused while an old instance is still there. No instance may leak, no trace may be lost silently,
/// and a live container's instance is never taken over.</summary>
[Category("EndToEnd")]
public class CrashRecoveryTests
{
    private readonly List<IDisposable> _cleanup = [];

    [SetUp]
    public void Require() => HostRequirements.RequireRuncAndTraceFs();

    [TearDown]
    public void Cleanup()
    {
        foreach (var item in Enumerable.Reverse(_cleanup)) item.Dispose();
        _cleanup.Clear();
        HookProcess.Run("", "gc");
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "ftrace instances or records left behind");
    }

    private T Keep<T>(T item) where T : IDisposable
    {
        _cleanup.Add(item);
        return item;
    }

    /// <summary>A container made with `runc create` whose bundle names no hook (its program sleeps a
    /// minute), and prestart run for it by hand: what the runtime would have done, without a
    /// poststop to come unless the test runs it.</summary>
    private CreatedContainer PrestartedByHand(string name, string? id = null)
    {
        var container = Keep(CreatedContainer.Create(Keep(BusyboxBundle.Create(name).Script("sleep 60")), id));
        var prestart = container.RunHook("prestart");
        Assert.That(prestart.ExitCode, Is.Zero, prestart.ToString());
        return container;
    }

    /// <summary>The host's mounts, but for tracefs, which the hook mounts where the host had none
    /// (and keeps mounted, as trace-cmd does), so whether this case finds it depends on the cases before.</summary>
    private static string[] MountsButTraceFs() =>
        File.ReadAllLines("/proc/self/mountinfo").Where(l => !l.Contains(" - tracefs ", StringComparison.Ordinal)).ToArray();

    [Test]
    public void Gc_collects_what_a_killed_prestart_left([Values(0, 2, 4, 6, 8, 12, 20, 40)] int killAfterMs)
    {
        var bundle = Keep(BusyboxBundle.Create("killed").Script("sleep 60"));
        var container = Keep(CreatedContainer.Create(bundle));
        var mountsBefore = MountsButTraceFs();
        using (var hook = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo(HookBinary.Path, ["prestart", "--config", bundle.ConfigPath])
               {
                   RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true,
               })!)
        {
            hook.StandardInput.Write(container.State);
            hook.StandardInput.Close();
            Thread.Sleep(killAfterMs);
            hook.Kill();
            hook.WaitForExit();
        }
        var instanceExisted = TestHost.InstancesOf(container.Id).Length == 1;

        var gcWhileAlive = HookProcess.Run("", "gc");
        Assert.That(gcWhileAlive.ExitCode, Is.Zero, gcWhileAlive.ToString());
        Assert.That(TestHost.InstancesOf(container.Id).Length == 1, Is.EqualTo(instanceExisted), "gc leaves a live container's instance alone");

        container.Delete();
        var gc = HookProcess.Run("", "gc");
        Assert.Multiple(() =>
        {
            Assert.That(gc.ExitCode, Is.Zero, gc.ToString());
            Assert.That(TestHost.InstancesOf(container.Id), Is.Empty, "the instance is removed once its container is gone");
            Assert.That(TestHost.HookRecords(), Is.Empty, "and its record too");
            Assert.That(bundle.SavedTraces(), Has.Length.EqualTo(instanceExisted ? 1 : 0), "its trace was saved first");
            Assert.That(MountsButTraceFs(), Is.EqualTo(mountsBefore), "no mount on the host");
        });
    }

    [Test]
    public void Gc_removes_the_temporary_file_of_a_killed_save_and_never_a_running_writer_s()
    {
        var bundle = Keep(BusyboxBundle.Create("partial"));
        const string Base = "oci-ftrace-partial-0123456789abcdef-1f-2a-20250304T030607Z";
        int ended;
        using (var writer = System.Diagnostics.Process.Start("true")!)
        {
            writer.WaitForExit();
            ended = writer.Id;
        }
        using var running = System.Diagnostics.Process.Start("sleep", "60")!;
        try
        {
            var killed = Path.Combine(bundle.SaveDir, $".{Base}.{ended}.partial");
            var writing = Path.Combine(bundle.SaveDir, $".{Base}.{running.Id}.partial");
            var other = Path.Combine(bundle.SaveDir, $".{Base}.{ended}.partial.keep");
            foreach (var file in new[] { killed, writing, other }) File.WriteAllText(file, "part of a trace");

            var gc = HookProcess.Run("", "gc", "--config", bundle.ConfigPath);
            Assert.Multiple(() =>
            {
                Assert.That(gc.ExitCode, Is.Zero, gc.ToString());
                Assert.That(File.Exists(killed), Is.False, "its writer is gone");
                Assert.That(File.Exists(writing), Is.True, "its writer still runs");
                Assert.That(File.Exists(other), Is.True, "not exactly a save's temporary name");
            });
        }
        finally
        {
            running.Kill();
            running.WaitForExit();
        }
    }

    [Test]
    public void A_container_without_poststop_is_collected_by_the_next_start()
    {
        // Prestart by hand, then the container is deleted without any poststop: a leak in the making.
        var container = PrestartedByHand("leaked");
        container.Delete();
        Assert.That(TestHost.InstancesOf(container.Id), Has.Length.EqualTo(1));

        var next = Keep(BusyboxBundle.Create("next").WithHook(HookBinary.Path).Script("true"));
        var run = Runc.Run(next);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "the next start had the leftover collected");
        Assert.That(container.Bundle.SavedTraces(), Has.Length.EqualTo(1), "after saving its trace");
    }

    [Test]
    public void Gc_saves_and_removes_an_instance_whose_record_is_gone()
    {
        // The hook's state directory wiped under it (by hand, or a cleaner of /run): gc finds the
        // instance with nothing to say whose it was, and must not leave it holding its ring buffer.
        var container = PrestartedByHand("orphan");
        var bundle = container.Bundle;
        container.Start();
        container.WaitUntilRunning("sleep", TimeSpan.FromSeconds(20));
        var instance = TestHost.InstancesOf(container.Id).Single();
        new InstanceRecords().Delete(instance);
        container.Delete();

        var gc = HookProcess.Run("", "gc", "--config", bundle.ConfigPath);
        Assert.Multiple(() =>
        {
            Assert.That(gc.ExitCode, Is.Zero, gc.ToString());
            Assert.That(gc.Stderr, Does.Not.Contain("cannot collect"), gc.ToString());
            Assert.That(TestHost.InstancesOf(container.Id), Is.Empty, "the instance is removed");
            Assert.That(TestHost.InstancesAndRecordsOf(container.Id), Is.Empty, "and nothing of it is left under /run");
        });
        var saved = bundle.SavedTraces();
        Assert.That(saved, Has.Length.EqualTo(1), "its trace was saved first, under the host's save directory");
        Assert.That(Path.GetFileName(saved[0]), Does.StartWith(instance + "-"));
        Assert.That(HookProcess.Succeeds("show", "--file", saved[0]).Stdout, Does.Contain("execve"), "and it holds the program's start");
    }

    [Test]
    public void A_reused_id_gets_a_fresh_instance_and_the_old_trace_is_saved()
    {
        var id = "oft-reused-" + Guid.NewGuid().ToString("N")[..8];
        var old = PrestartedByHand("first", id);
        var first = old.Bundle;
        old.Delete(); // crashed: no poststop
        var oldInstance = TestHost.InstancesOf(id).Single();

        var second = Keep(BusyboxBundle.Create("second").WithHook(HookBinary.Path).Script(
            "ls /sys/kernel/tracing >/dev/null; echo MARK-second > /sys/kernel/tracing/trace_marker"));
        var run = Runc.Run(second, id);
        Assert.That(run.ExitCode, Is.Zero, run.ToString());
        // The new start did not wait for the old instance: it had its own, and the old one is
        // collected in the background (its trace saved first).
        Assert.That(TestHost.WaitUntilNoHookInstances(), Is.Empty, "the old instance is collected in the background");
        Assert.That(first.SavedTraces(), Has.Length.EqualTo(1), "the old container's trace is saved, not destroyed");
        Assert.That(Path.GetFileName(first.SavedTraces()[0]), Does.StartWith(oldInstance + "-"));
        var secondTraces = second.SavedTraces();
        Assert.That(secondTraces, Has.Length.EqualTo(1));
        Assert.That(SavedTraceText.Read(secondTraces[0]), Does.Contain("MARK-second"));
        Assert.That(SavedTraceText.Read(first.SavedTraces()[0]), Does.Not.Contain("MARK-second"), "the two traces are not mixed");
    }

    [Test]
    public void A_running_container_with_the_same_id_is_never_taken_over()
    {
        var id = "oft-live-" + Guid.NewGuid().ToString("N")[..8];
        var owner = PrestartedByHand("owner", id);
        var intruder = Keep(CreatedContainer.Create(Keep(BusyboxBundle.Create("intruder").Script("sleep 60"))));

        var result = HookProcess.Run(HookProcess.State(id, intruder.Pid, intruder.Bundle.Dir), "prestart", "--config", intruder.Bundle.ConfigPath);
        Assert.That(result.ExitCode, Is.EqualTo(1), result.ToString());
        Assert.That(result.Stderr, Does.Contain($"container id {id} is already traced by a running container"));
        var tracefs = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"))!;
        var pidFilter = File.ReadAllText(Path.Combine(tracefs, "instances", TestHost.InstancesOf(id).Single(), "set_event_pid")).Trim();
        Assert.That(pidFilter, Is.EqualTo(owner.Pid.ToString()), "the owner's instance still traces the owner");

        // The intruder's runtime still runs poststop for it, here even with the owner's bundle (two
        // runtime roots running one bundle): that touches nothing of the owner's.
        intruder.Delete();
        var poststop = HookProcess.Run(HookProcess.State(id, null, owner.Bundle.Dir, "stopped"), "poststop", "--config", owner.Bundle.ConfigPath);
        Assert.That(poststop.ExitCode, Is.Zero, poststop.ToString());
        Assert.That(File.ReadAllText(Path.Combine(tracefs, "instances", TestHost.InstancesOf(id).Single(), "events/syscalls/enable")).Trim(),
            Is.EqualTo("1"), "the owner's instance still records");
        Assert.That(owner.Bundle.SavedTraces(), Is.Empty, "nothing of the owner's was saved early");
    }
}
