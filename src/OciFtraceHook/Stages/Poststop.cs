using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Stages;

/// <summary>poststop: the container is gone. Recording stops and the trace is saved before the
/// hook returns, so it is on disk when `runc run` ends. Removing the instance takes the kernel a
/// quarter of a second (dropping the exec trigger and the event hooks waits for RCU grace periods),
/// so that is handed to a detached `gc --instance` and kept off the container's path; if that
/// process never runs, the next gc removes the instance all the same.</summary>
internal static class Poststop
{
    public static void Run(ContainerState state, ILogger logger, InstanceRecords records)
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
        using (var held = records.TryLock(name))
        {
            if (held is null) return; // a gc is collecting it right now: it saves and removes it
            instance.SetTracingOn(false);
            var record = records.Read(name) ?? new InstanceRecord { ContainerId = id, Bundle = state.Bundle, SaveDir = settings.SaveDir };
            if (record.SavedTo is null)
            {
                var saved = TraceArchive.Save(instance, id, record.SaveDir, DateTimeOffset.UtcNow);
                records.Write(name, record with { SavedTo = saved });
                Log.Saved(logger, id, saved);
            }
        }
        if (!TryRemoveInBackground(name, out var why))
        {
            Log.RemovingInForeground(logger, name, why);
            Gc.Collect(instance, name, records, logger);
        }
    }

    /// <summary>Starts `oci-ftrace-hook gc --instance NAME --quiet` with its own pipes for stdio:
    /// a child holding the runtime's stdout/stderr would make the runtime wait for it.</summary>
    private static bool TryRemoveInBackground(string instanceName, out string why)
    {
        why = "";
        var self = Environment.ProcessPath;
        if (self is null || !File.Exists(self))
        {
            why = "own executable not found";
            return false;
        }
        try
        {
            var info = new ProcessStartInfo(self)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var arg in new[] { "gc", "--instance", instanceName, "--quiet" }) info.ArgumentList.Add(arg);
            using var child = System.Diagnostics.Process.Start(info);
            if (child is null)
            {
                why = "process did not start";
                return false;
            }
            child.StandardInput.Close();
            return true;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            why = e.Message;
            return false;
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
