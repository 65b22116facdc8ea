using Microsoft.Extensions.Logging;
using OciFtraceHook.Decoding;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Hook;

/// <summary>Prestart's and gc's part in recording paths (see PathProbes): enable them in a new
/// instance as the paths annotation asks, and drop the shared definitions no instance uses.</summary>
internal static class PathCapture
{
    /// <summary>Returns what the saved trace's header says about paths: "kprobes" or "eprobes", "kernel" (6.19+
    /// prints them itself), "off", or "none: WHY". Throws only when the container asked for paths
    /// explicitly (paths=on) and they cannot be had; with auto it logs one line and goes on.</summary>
    public static string Start(TraceFs traceFs, TraceInstance instance, PathsSetting setting, ILogger logger, UndoStack undo)
    {
        if (setting == PathsSetting.Off) return "off";
        if (TraceTextFormats.FromKernelRelease(Environment.OSVersion.Version.ToString()) == TraceTextFormat.UserStrings)
            return "kernel";
        var probes = new PathProbes(traceFs);
        var why = probes.Unavailable();
        var unsupported = why is not null;
        if (why is null)
        {
            try
            {
                undo.Push("disable path probes", () =>
                {
                    if (instance.HasFile($"events/{PathProbes.Group}/enable")) instance.Write($"events/{PathProbes.Group}/enable", "0");
                    probes.RemoveUnused();
                });
                probes.EnableIn(instance);
                return probes.Kind!;
            }
            catch (Exception e) when (e is HookException or IOException or UnauthorizedAccessException)
            {
                why = e.Message;
                unsupported = e is ProbesUnsupportedException;
            }
        }
        if (setting == PathsSetting.On) throw new HookException($"annotation {HookSettings.PathsKey}=on: {why}");
        if (unsupported) Log.PathsUnsupported(logger, instance.Name, why);
        else Log.PathsUnavailable(logger, instance.Name, why);
        return "none: " + why;
    }

    /// <summary>After an instance is gone: definitions no instance enables are removed.</summary>
    public static void RemoveUnused(TraceFs? traceFs, ILogger logger)
    {
        if (traceFs is null) return;
        try
        {
            var removed = new PathProbes(traceFs).RemoveUnused();
            if (removed > 0) Log.PathProbesRemoved(logger, removed, PathProbes.Group);
        }
        catch (Exception e) when (e is HookException or IOException or UnauthorizedAccessException)
        {
            Log.PathProbesNotRemoved(logger, PathProbes.Group, e.Message);
        }
    }
}
