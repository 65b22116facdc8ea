using Microsoft.Extensions.Logging;
using OciFtraceHook.Container;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Processes;
using OciFtraceHook.Tracing;
using OciFtraceHook.SavedTraces;

namespace OciFtraceHook.Hook;

/// <summary>prestart (or createRuntime): the container's init exists, its mounts are made, its
/// rootfs is not yet pivoted and its program not yet exec'd. Steps in the order they happen;
/// each one that makes something registers how to undo it.</summary>
internal static class Prestart
{
    public static void Run(ContainerState state, ILogger logger, InstanceRecords records, HostDefaults host)
    {
        InstanceName.ValidateId(state.Id);
        var id = state.Id!;
        var config = HookInput.ReadConfig(state.Bundle);
        var settings = HookSettings.FromAnnotations(state.Annotations ?? config.Annotations, host);
        if (!settings.Enabled)
        {
            Log.Disabled(logger, id);
            return;
        }
        try
        {
            Trace(state, config, settings, logger, records, host);
        }
        catch (Exception e) when (settings.OnFailure == FailurePolicy.Warn && e is HookException or IOException or UnauthorizedAccessException)
        {
            Log.StartingUntraced(logger, id, HookSettings.OnFailureKey, e.Message);
        }
    }

    private static void Trace(ContainerState state, ContainerConfig config, HookSettings settings, ILogger logger, InstanceRecords records,
        HostDefaults host)
    {
        var id = state.Id!;
        if (!Environment.IsPrivilegedProcess)
            throw new HookException("cannot trace: the hook runs without root (a rootless engine?) and only root can create ftrace instances and mounts");
        new ContainerStarts().Mark();
        var rootfs = HookInput.RootfsOf(state.Bundle!, config);
        var saveDir = SaveDirectory.Check(settings.SaveDir, host.SaveDir);
        var (uid, gid) = HostIds.ForProcess(config);
        var init = InitProcessLocator.Locate(state.Pid);
        var traceFs = TraceFs.FindOrMount(path => Log.MountedTraceFs(logger, path));
        var instance = traceFs.Instance(InstanceName.For(id));
        Log.PrestartBegin(logger, id, init.Pid, init.Command, instance.Name);

        if (instance.Exists) CollectLeftover(instance, id, records, logger, host);

        var undo = new UndoStack((step, e) => Log.UndoFailed(logger, step, e.Message));
        try
        {
            // The record comes first: an instance of ours never exists without one, so gc can
            // always tell whose it is, even when this process is killed right after the mkdir.
            records.Write(instance.Name, new InstanceRecord
            {
                ContainerId = id, Bundle = state.Bundle, Pid = init.Pid, PidStartTime = init.StartTime,
                SaveDir = saveDir, Created = DateTimeOffset.UtcNow, Name = ContainerName.FromAnnotations(state.Annotations ?? config.Annotations),
            });
            undo.Push($"delete record of {instance.Name}", () => records.Delete(instance.Name));

            instance.Create();
            undo.Push($"remove instance {instance.Name}", instance.Remove);

            InstanceSetup.Apply(instance, settings, init.Pid);
            Log.Configured(logger, instance.Name, settings.Syscalls is null ? "all syscall" : string.Join(",", settings.Syscalls),
                settings.BufferSizeKb is { } kb ? $"{kb} KiB" : "default", settings.IncludeRuntimeSetup ? "recording now" : "recording from the container's exec");

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

        // Containers that never got a poststop leave instances behind: the next start notices and
        // has them collected in the background.
        try
        {
            if (DetachedGc.AnyLeftBehind(records, except: instance.Name)) DetachedGc.TryStart(null, out _);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only housekeeping for other containers: never a reason to fail this one.
        }

        if (settings.StopAfter is { } after && !StopRecording.TryStart(instance.Name, after, out var why))
            Log.StopAfterNotStarted(logger, instance.Name, why);
    }

    /// <summary>An instance already carries this id's name: a container with the same id that
    /// crashed, or whose background removal is still running. Its trace is saved and it is removed
    /// first; a live container with the same id is refused, never shared.</summary>
    private static void CollectLeftover(TraceInstance instance, string id, InstanceRecords records, ILogger logger, HostDefaults host)
    {
        Log.ReusedId(logger, instance.Name, id);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (instance.Exists)
        {
            if (!Gc.Collect(instance, instance.Name, records, logger, host) && records.Read(instance.Name) is { } record
                && record.InitIsAlive())
                throw new HookException($"container id {id} is already traced by a running container (pid {record.Pid}, instance {instance.Name})");
            if (DateTime.UtcNow > deadline)
                throw new HookException($"ftrace instance {instance.Name} of an earlier container with id {id} could not be removed");
            if (instance.Exists) Thread.Sleep(20); // another process is collecting it
        }
    }
}
