using Microsoft.Extensions.Logging;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;
using OciFtraceHook.SavedTraces;

namespace OciFtraceHook.Hook;

/// <summary>poststop: the container is gone. Recording stops and the trace is saved before the
/// hook returns, so it is on disk when `runc run` ends. Removing the instance takes the kernel a
/// quarter of a second (dropping the exec trigger and the event hooks waits for RCU grace periods),
/// so that is handed to a detached `gc --instance` and kept off the container's path, with the disk
/// budget; if that process never runs, the next gc removes the instance all the same.</summary>
internal static class Poststop
{
    public static void Run(ContainerState state, ILogger logger, InstanceRecords records, HostDefaults host) =>
        Run(state, logger, records, host, TraceFs.OnHost, name => DetachedGc.TryStart(name, host.ConfigPath, out var why) ? null : why);

    /// <param name="findTraceFs">Where tracefs is (read only when there is an instance to stop).</param>
    /// <param name="startRemoval">Hands the instance's removal to a detached gc; returns why it
    /// could not (then it is removed here), or null.</param>
    internal static void Run(ContainerState state, ILogger logger, InstanceRecords records, HostDefaults host,
        Func<TraceFs?> findTraceFs, Func<string, string?> startRemoval)
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
        var own = records.OfContainer(id)
            .Where(r => r.Record.Bundle == state.Bundle && r.Record.SavedTo is null && !r.Record.InitIsAlive())
            .Select(r => r.Name).FirstOrDefault();
        var instance = own is null ? null : findTraceFs()?.Instance(own);
        if (own is null || instance is null || !instance.Exists)
        {
            Log.NoInstance(logger, id, own ?? InstanceName.For(id) + "-*");
            return;
        }
        using (var held = records.TryLock(own))
        {
            if (held is null) return; // a gc is collecting it right now: it saves and removes it
            var record = records.Read(own);
            if (record is null || record.SavedTo is not null) return; // collected meanwhile
            instance.Stop();
            var saved = Gc.SaveTrace(instance, id, record.SaveDir, record.Name ?? ContainerName.FromAnnotations(state.Annotations),
                records, logger, host, record.Paths);
            records.Write(own, record with { SavedTo = saved });
            records.DeleteFollowed(own);
        }
        if (startRemoval(own) is { } why)
        {
            Log.RemovingInForeground(logger, own, why);
            Gc.Collect(instance, own, records, logger, host);
        }
    }
}
