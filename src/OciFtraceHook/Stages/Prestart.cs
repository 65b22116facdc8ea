using Microsoft.Extensions.Logging;
using OciFtraceHook.Container;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Processes;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Stages;

/// <summary>prestart (or createRuntime): the container's init exists, its mounts are made, its
/// rootfs is not yet pivoted and its program not yet exec'd. Steps in the order they happen;
/// each one that makes something registers how to undo it.</summary>
internal static class Prestart
{
    public static void Run(ContainerState state, ILogger logger)
    {
        InstanceName.ValidateId(state.Id);
        var id = state.Id!;
        var config = HookInput.ReadConfig(state.Bundle);
        var settings = HookSettings.FromAnnotations(state.Annotations ?? config.Annotations);
        if (!settings.Enabled)
        {
            Log.Disabled(logger, id);
            return;
        }
        var rootfs = HookInput.RootfsOf(state.Bundle!, config);
        var (uid, gid) = HostIds.ForProcess(config);
        var init = InitProcessLocator.Locate(state.Pid);
        var traceFs = TraceFs.FindOrMount(path => Log.MountedTraceFs(logger, path));
        var instance = traceFs.Instance(InstanceName.For(id));
        Log.PrestartBegin(logger, id, init.Pid, init.Command, instance.Name);

        var undo = new UndoStack((step, e) => Log.UndoFailed(logger, step, e.Message));
        try
        {
            instance.Create();
            undo.Push($"remove instance {instance.Name}", instance.Remove);

            InstanceSetup.Apply(instance, settings, init.Pid);
            Log.Configured(logger, instance.Name, settings.Syscalls is null ? "all syscall" : string.Join(",", settings.Syscalls),
                settings.BufferSizeKb, settings.IncludeRuntimeSetup ? "recording now" : "recording from the container's exec");

            foreach (var file in TraceFile.Defaults)
                TraceFileOwnership.Give(instance.FilePath(file.Name), uid, gid);

            // Mounts happen in the container's namespace and vanish with it: nothing to undo on the host.
            MountNamespace.Run(init.Pid, () => TraceMounts.Mount(rootfs, settings.MountPath, instance.Name, TraceFile.Defaults));
            Log.Mounted(logger, uid, gid, settings.MountPath);

            if (!InitProcessLocator.IsSame(init))
                throw new HookException($"process {init.Pid} exited while the hook set up its tracing");
            undo.Commit();
        }
        catch
        {
            undo.Rollback();
            throw;
        }
    }
}
