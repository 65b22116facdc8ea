using Microsoft.Extensions.Logging;
using OciFtraceHook.Decoding;
using OciFtraceHook.HostFiles;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Hook;

/// <summary>Prestart's and gc's part in recording paths (see PathProbes): enable them in a new
/// instance as the paths annotation asks, and drop the shared definitions no instance uses.</summary>
internal static class PathCapture
{
    /// <summary>Returns what the saved trace's header says about paths: "kprobes" or "eprobes" (read at
    /// the syscalls' entry), "kprobes+getname" (and the kernel's own copies, see PathProbes), "kernel" (6.19+
    /// prints them itself, with the write buffers asked for), "off", or "none: WHY". Throws only when the container asked for paths
    /// explicitly (paths=on) and they cannot be had; with auto it logs one line and goes on.</summary>
    public static string Start(TraceFs traceFs, TraceInstance instance, PathsSetting setting, ILogger logger, UndoStack undo,
        string lockPath = PathProbes.LockPath)
    {
        // 6.19+ prints path strings itself, but only while the instance lets it copy user memory,
        // and write buffers' bytes come with them (one setting, syscall_user_buf_size, governs both;
        // 0, the default, keeps both out): then probes record the paths, as on older kernels.
        if (TraceTextFormatDetection.FromKernelRelease(HostKernel.Release()) == TraceTextFormat.UserStrings
            && KernelCopiesUserMemory(instance))
            return "kernel";
        if (setting == PathsSetting.Off) return "off";
        var probes = new PathProbes(traceFs, lockPath);
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
                if (probes.ReadsKernelCopies) return probes.Kind + KernelCopiesNote;
                if (probes.Kind == "kprobes") Log.NoKernelCopies(logger, instance.Name, string.Join(", ", PathProbes.KernelCopyFunctions));
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

    /// <summary>Added to the note when the paths come from the kernel's own copies too.</summary>
    public const string KernelCopiesNote = "+getname";

    private static bool KernelCopiesUserMemory(TraceInstance instance) =>
        !instance.HasFile(InstanceSetup.UserBufferSizeFile) || instance.Read(InstanceSetup.UserBufferSizeFile).Trim() != "0";

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
