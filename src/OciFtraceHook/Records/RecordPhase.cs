namespace OciFtraceHook.Records;

/// <summary>Where one start's instance is in its life, as its record and its init tell. Every stage
/// asks this instead of reading the record's fields itself:
/// <code>
///   Tracing ──poststop──&gt; Saving ──detached gc──&gt; Saved ──gc: rmdir──&gt; (record gone)
///      │                    │ (no save within SaveDeadline)     │ rmdir: EBUSY
///      │ init gone, no poststop (crash, failed start)            v
///      └──────────────&gt; LeftBehind &lt;── Saving past its deadline  Pinned ──gc, once closed──&gt; (gone)
/// </code>
/// LeftBehind is gc's to save and remove; Saving is the detached gc's, and `show` waits for it.</summary>
internal enum RecordPhase
{
    /// <summary>Its init runs and nothing stopped it: the container is being traced.</summary>
    Tracing,
    /// <summary>Poststop stopped it and handed the save to a detached gc less than
    /// <see cref="RecordPhases.SaveDeadline"/> ago.</summary>
    Saving,
    /// <summary>Its init is gone and its trace is not saved, and no save is under way: a container
    /// that ended without its poststop, or a save that died.</summary>
    LeftBehind,
    /// <summary>Its trace is saved; the instance waits for removal.</summary>
    Saved,
    /// <summary>Saved, and its instance is held open somewhere (rmdir: EBUSY): disarmed and shrunk.</summary>
    Pinned,
}

/// <summary>The transitions' conditions and time limits, in one place.</summary>
internal static class RecordPhases
{
    /// <summary>How long a detached save may take before it counts as dead (killed, or the host
    /// rebooted under it): then gc saves the trace like any left behind, and `show` stops waiting.</summary>
    public static readonly TimeSpan SaveDeadline = TimeSpan.FromMinutes(2);

    /// <summary>How long a saved instance may wait for its detached gc's removal before a start's
    /// check counts it as left behind (that removal died on the way).</summary>
    public static readonly TimeSpan RemovalDeadline = TimeSpan.FromMinutes(2);

    /// <param name="initAlive">Asked only when the fields leave it open (it reads /proc).</param>
    public static RecordPhase PhaseAt(this InstanceRecord record, DateTimeOffset now, Func<InstanceRecord, bool>? initAlive = null)
    {
        if (record.PinnedSince is not null) return RecordPhase.Pinned;
        if (record.SavedTo is not null) return RecordPhase.Saved;
        if (record.StoppedAt is { } stopped) return now - stopped < SaveDeadline ? RecordPhase.Saving : RecordPhase.LeftBehind;
        return (initAlive ?? (r => r.InitIsAlive()))(record) ? RecordPhase.Tracing : RecordPhase.LeftBehind;
    }

    /// <summary>Its phase now, its init asked through /proc.</summary>
    public static RecordPhase Phase(this InstanceRecord record) => record.PhaseAt(DateTimeOffset.UtcNow);
}
