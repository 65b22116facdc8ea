using OciFtraceHook.Records;
namespace OciFtraceHook.Tests.Tracing;

/// <summary>Every transition of a record's life (RecordPhase's diagram), including those a kill or
/// a race causes: a poststop that never ran, a detached save that died, a removal that found the
/// instance held open.</summary>
public class RecordPhaseTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 5, 12, 0, 0, TimeSpan.Zero);

    private static readonly InstanceRecord Started = new() { ContainerId = "c", SaveDir = "/tmp", Created = Now - TimeSpan.FromHours(1) };

    private static RecordPhase At(InstanceRecord record, bool initAlive, DateTimeOffset? now = null) =>
        record.PhaseAt(now ?? Now, _ => initAlive);

    [Test]
    public void A_start_goes_from_tracing_to_saving_to_saved_to_gone()
    {
        Assert.That(At(Started, initAlive: true), Is.EqualTo(RecordPhase.Tracing));
        var stopped = Started with { StoppedAt = Now };
        Assert.That(At(stopped, initAlive: false), Is.EqualTo(RecordPhase.Saving), "poststop handed the save on");
        Assert.That(stopped.SavePending(Now), Is.True, "show waits for it");
        var saved = stopped with { SavedTo = "/var/lib/oci-ftrace-hook/traces/x.trace" };
        Assert.That(At(saved, initAlive: false), Is.EqualTo(RecordPhase.Saved));
        Assert.That(saved.SavePending(Now), Is.False);
    }

    [Test]
    public void An_init_gone_without_a_poststop_is_left_behind_for_gc() =>
        Assert.That(At(Started, initAlive: false), Is.EqualTo(RecordPhase.LeftBehind));

    [Test]
    public void A_save_that_died_is_left_behind_once_its_deadline_passed()
    {
        var stopped = Started with { StoppedAt = Now };
        Assert.That(At(stopped, false, Now + RecordPhases.SaveDeadline - TimeSpan.FromSeconds(1)), Is.EqualTo(RecordPhase.Saving));
        Assert.That(At(stopped, false, Now + RecordPhases.SaveDeadline), Is.EqualTo(RecordPhase.LeftBehind));
        Assert.That(stopped.SavePending(Now + RecordPhases.SaveDeadline), Is.False, "show stops waiting");
    }

    [Test]
    public void A_saved_instance_held_open_is_pinned_until_gc_removes_it() =>
        Assert.That(At(Started with { SavedTo = "/x.trace", PinnedSince = Now }, initAlive: false), Is.EqualTo(RecordPhase.Pinned));

    [Test]
    public void The_init_is_asked_only_when_the_fields_leave_it_open()
    {
        var asked = 0;
        bool Alive(InstanceRecord _) { asked++; return true; }
        (Started with { SavedTo = "/x.trace" }).PhaseAt(Now, Alive);
        (Started with { StoppedAt = Now }).PhaseAt(Now, Alive);
        Assert.That(asked, Is.Zero);
        Started.PhaseAt(Now, Alive);
        Assert.That(asked, Is.EqualTo(1));
    }
}
