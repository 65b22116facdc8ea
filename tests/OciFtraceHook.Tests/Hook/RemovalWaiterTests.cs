using OciFtraceHook.Hook;
using OciFtraceHook.Records;

namespace OciFtraceHook.Tests.HookTests;

/// <summary>One detached gc at a time waits for quiet starts and collects: the others end after
/// their save, and a save that ends while the holder collects is collected all the same.</summary>
public class RemovalWaiterTests
{
    private string _root = null!;
    private InstanceRecords _records = null!;

    [SetUp]
    public void CreateRecordsDir()
    {
        _root = Directory.CreateTempSubdirectory("removal-waiter-").FullName;
        _records = new InstanceRecords(Path.Combine(_root, "records"));
    }

    [TearDown]
    public void RemoveRecordsDir() => Directory.Delete(_root, recursive: true);

    [Test]
    public void A_gc_that_finds_another_waiting_ends_at_once_and_leaves_its_instance_to_it()
    {
        using var holder = _records.TryLockRemovals();
        Assert.That(holder, Is.Not.Null);
        var waited = 0;
        var collected = RemovalWaiter.Run(_records, () => waited++, () => throw new AssertionException("collected while another waits"));
        Assert.Multiple(() =>
        {
            Assert.That(collected, Is.Zero);
            Assert.That(waited, Is.Zero, "no process waits besides the holder");
            Assert.That(_records.LastRemovalWanted(), Is.GreaterThan(DateTime.UtcNow - TimeSpan.FromMinutes(1)), "it said its instance waits");
        });
    }

    [Test]
    public void The_holder_collects_once_when_nothing_ended_meanwhile()
    {
        var rounds = 0;
        var collected = RemovalWaiter.Run(_records, () => { }, () =>
        {
            rounds++;
            return 3;
        });
        Assert.That((rounds, collected), Is.EqualTo((1, 3)));
        Assert.That(_records.TryLockRemovals(), Is.Not.Null.And.InstanceOf<IDisposable>(), "released");
    }

    [Test]
    public void A_save_that_ends_while_the_holder_collects_is_collected_in_another_round()
    {
        var rounds = 0;
        RemovalWaiter.Run(_records, () => { }, () =>
        {
            rounds++;
            if (rounds == 1)
            {
                // Another container's gc, done saving after this round listed the instances: it
                // marks, finds the lock held, and ends.
                var other = RemovalWaiter.Run(_records, () => throw new AssertionException("a second waiter"), () => 0);
                Assert.That(other, Is.Zero);
            }
            return 1;
        });
        Assert.That(rounds, Is.EqualTo(2), "one more round for the save it had not seen");
    }

    [Test]
    public void A_mark_before_the_round_began_leads_to_no_round_of_its_own()
    {
        // A save marked well before: the round that follows lists (and collects) its instance.
        _records.MarkRemovalWanted(DateTime.UtcNow - TimeSpan.FromMinutes(5));
        var rounds = 0;
        var started = DateTime.UtcNow;
        RemovalWaiter.Run(_records, () => { }, () => ++rounds);
        Assert.That(rounds, Is.EqualTo(1));
        Assert.That(_records.LastRemovalWanted(), Is.GreaterThanOrEqualTo(started), "its own mark, which leads to no round either");
    }
}
