using Microsoft.Extensions.Logging;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;
using OciFtraceHook.SavedTraces;

namespace OciFtraceHook.Hook;

/// <summary>poststop: the container is gone. Recording stops and the trace is saved before the
/// hook returns, so it is on disk when `runc run` ends. Removing the instance takes the kernel a
/// quarter of a second (dropping the exec trigger and the event hooks waits for RCU grace periods),
/// so that is handed to a detached `gc --instance` and kept off the container's path; if that
/// process never runs, the next gc removes the instance all the same.</summary>
internal static class Poststop
{
    public static void Run(ContainerState state, ILogger logger, InstanceRecords records, HostDefaults host)
    {
        InstanceName.ValidateId(state.Id);
        var id = state.Id!;
        var settings = HookSettings.FromAnnotations(state.Annotations ?? TryReadConfig(state.Bundle)?.Annotations, host);
        if (!Environment.IsPrivilegedProcess)
        {
            Log.NoInstance(logger, id, InstanceName.For(id)); // without root, prestart made nothing either
            return;
        }
        var mountPoint = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"));
        var name = InstanceName.For(id);
        var instance = mountPoint is null ? null : new TraceFs(mountPoint).Instance(name);
        if (instance is null || !instance.Exists)
        {
            Log.NoInstance(logger, id, name);
            return;
        }
        using (var held = records.TryLock(name))
        {
            if (held is null) return; // a gc is collecting it right now: it saves and removes it
            instance.Stop();
            var record = records.Read(name)
                         ?? new InstanceRecord { ContainerId = id, Bundle = state.Bundle, SaveDir = SaveDirectory.Check(settings.SaveDir, host.SaveDir) };
            if (record.SavedTo is null)
            {
                var saved = Gc.SaveTrace(instance, id, record.SaveDir, record.Name ?? ContainerName.FromAnnotations(state.Annotations),
                    records, logger, host);
                records.Write(name, record with { SavedTo = saved });
                records.DeleteFollowed(name);
            }
        }
        if (!DetachedGc.TryStart(name, out var why))
        {
            Log.RemovingInForeground(logger, name, why);
            Gc.Collect(instance, name, records, logger, host);
        }
    }

    /// <summary>Engines may delete the bundle before poststop (podman --rm): then the state's
    /// annotations are all there is.</summary>
    private static ContainerConfig? TryReadConfig(string? bundle)
    {
        try
        {
            return HookInput.ReadConfig(bundle);
        }
        catch (HookException)
        {
            return null;
        }
    }
}
