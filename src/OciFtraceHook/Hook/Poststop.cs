using Microsoft.Extensions.Logging;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Hook;

/// <summary>poststop: the container is gone. Recording stops here, and the rest is handed to a
/// detached `gc --instance`, off the runtime's path: saving the trace (a few milliseconds, up to
/// tens of them for a full buffer) at once, then removing the instance once container starts are
/// quiet (the kernel takes a quarter of a second for that, waiting for RCU grace periods), then the
/// disk budget. The record says a save is under way, so `show` waits for it; if that process never
/// runs, the next gc saves and removes the instance all the same.</summary>
internal static class Poststop
{
    public static void Run(ContainerState state, ILogger logger, InstanceRecords records, HookConf host) =>
        Run(state, logger, records, host, TraceFs.OnHost, name => DetachedHook.TryStartGc(name, host.ConfigPath, out var why) ? null : why);

    /// <param name="findTraceFs">Where tracefs is (read only when there is an instance to stop).</param>
    /// <param name="startSave">Hands the instance's save and removal to a detached gc; returns why it
    /// could not (then both are done here), or null.</param>
    internal static void Run(ContainerState state, ILogger logger, InstanceRecords records, HookConf host,
        Func<TraceFs?> findTraceFs, Func<string, string?> startSave)
    {
        InstanceName.ValidateId(state.Id);
        var id = state.Id!;
        if (!Environment.IsPrivilegedProcess)
        {
            Log.NoInstance(logger, id, InstanceName.For(id)); // without root, prestart made nothing either
            return;
        }
        // This start's instance: a record of this id and bundle whose init has ended and whose
        // trace is not saved yet (the newest such, should an older one still wait for gc). A running
        // container with the same id (under another runtime root) is never touched, nor is anything
        // when this start's prestart was refused and wrote no record.
        var own = records.OfContainer(id, InstanceName.For(id))
            .Where(r => r.Record.Bundle == state.Bundle && r.Record.StoppedAt is null && r.Record.Phase() == RecordPhase.LeftBehind)
            .Select(r => r.Name).FirstOrDefault();
        var instance = own is null ? null : findTraceFs()?.Instance(own);
        if (own is null || instance is null || !instance.Exists)
        {
            Log.NoInstance(logger, id, own ?? InstanceName.For(id) + "-*");
            return;
        }
        using (var held = records.TryLock(own))
        {
            // Held by another process: a gc collecting it right now, or one that read its record a
            // moment before the container ended and is passing it by as running. Either way it is
            // handed on below: the detached gc marks that a removal is wanted, so a collection round
            // comes after that mark, finds the instance left behind and saves it (or finds it
            // collected). Returning here left it armed, taxing every system call of the host, until
            // some later gc.
            if (held is not null)
            {
                var record = records.Read(own);
                // Collected or handed on meanwhile: no longer left behind and never stopped.
                if (record is null || record.StoppedAt is not null || record.PhaseAt(DateTimeOffset.UtcNow, _ => false) != RecordPhase.LeftBehind) return;
                // Only tracing_on, one write: the events go off in the detached save, which comes next.
                instance.SetTracingOn(false);
                records.Write(own, record with { StoppedAt = DateTimeOffset.UtcNow });
            }
        }
        if (startSave(own) is { } why)
        {
            Log.SavingInForeground(logger, own, why);
            Gc.Collect(instance, own, records, logger, host);
        }
    }
}
