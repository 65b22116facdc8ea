using Microsoft.Extensions.Logging;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Stages;

/// <summary>poststop: the container is gone. Its trace is saved, then its instance removed; if
/// saving fails the instance stays (and the hook fails) so the trace is not lost.</summary>
internal static class Poststop
{
    public static void Run(ContainerState state, ILogger logger)
    {
        InstanceName.ValidateId(state.Id);
        var id = state.Id!;
        var settings = HookSettings.FromAnnotations(state.Annotations ?? TryReadConfig(state.Bundle)?.Annotations);
        var mountPoint = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"));
        var name = InstanceName.For(id);
        var instance = mountPoint is null ? null : new TraceFs(mountPoint).Instance(name);
        if (instance is null || !instance.Exists)
        {
            Log.NoInstance(logger, id, name);
            return;
        }
        instance.SetTracingOn(false);
        var saved = TraceArchive.Save(instance, id, settings.SaveDir, DateTimeOffset.UtcNow);
        Log.Saved(logger, id, saved);
        instance.Remove();
        Log.Removed(logger, instance.Name);
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
