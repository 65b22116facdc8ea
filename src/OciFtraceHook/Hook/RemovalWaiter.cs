using OciFtraceHook.Records;

namespace OciFtraceHook.Hook;

/// <summary>The detached gc's wait for quiet starts, done by one process at a time. Every ended
/// container's gc saves its trace, then marks that a removal is wanted and tries the removals lock:
/// the one that gets it waits until no container has started for a second and collects every ended
/// container's instance; the others end at once, leaving theirs to it. A burst of container ends so
/// leaves one waiting process instead of one per container (each ~3 MB and 5 threads, for up to
/// 30 s, as root: a tenant starting containers in a loop multiplied them).
/// The hand-over: a mark comes after its save, before its try of the lock. After releasing the lock
/// the holder looks at the last mark; one made after it began collecting may be a save it did not
/// see, whose gc found the lock held and ended, so it goes round again (or ends, if another process
/// took the lock meanwhile: that one collects it). Marks are times the processes set from one clock
/// (the realtime clock). A step back of it, or two marks a few microseconds apart landing in the
/// other order, can leave an instance to the next gc (the timer's, or the one the next start runs
/// for an instance saved minutes ago and still there).</summary>
internal static class RemovalWaiter
{
    /// <param name="waitForQuiet">Waits until no container has started for a moment.</param>
    /// <param name="collect">Collects every ended container's instance; returns how many.</param>
    /// <returns>How many this process collected (0 when another waits).</returns>
    public static int Run(InstanceRecords records, Action waitForQuiet, Func<int> collect)
    {
        records.MarkRemovalWanted(DateTime.UtcNow);
        var collected = 0;
        while (true)
        {
            DateTime began;
            using (var held = records.TryLockRemovals())
            {
                if (held is null) return collected; // the holder removes ours too
                waitForQuiet();
                began = DateTime.UtcNow;
                collected += collect();
            }
            // A mark from before the round is a save that ended before the listing: collected.
            if (records.LastRemovalWanted() <= began) return collected;
        }
    }
}
