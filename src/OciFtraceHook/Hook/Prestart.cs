using Microsoft.Extensions.Logging;
using OciFtraceHook.Container;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Processes;
using OciFtraceHook.Records;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Hook;

/// <summary>prestart (or createRuntime): the container's init exists, its mounts are made, its
/// rootfs is not yet pivoted and its program not yet exec'd. Steps in the order they happen;
/// each one that makes something registers how to undo it.</summary>
internal static class Prestart
{
    public static void Run(ContainerState state, ILogger logger, InstanceRecords records, HookConf host) =>
        Run(state, logger, records, host, PrestartHost.OnHost);

    internal static void Run(ContainerState state, ILogger logger, InstanceRecords records, HookConf host, PrestartHost on)
    {
        InstanceName.ValidateId(state.Id);
        // Before anything is read or made: from inside the container the hook would act on its view.
        InitProcessLocator.RefuseInsideContainer(state.Pid, on.ProcRoot);
        var id = state.Id!;
        var config = HookInput.ReadConfig(state.Bundle);
        var annotations = state.Annotations ?? config.Annotations;
        var settings = HookSettings.FromAnnotations(annotations, host);
        if (!settings.Enabled)
        {
            Log.Disabled(logger, id);
            return;
        }
        // hooks.d (CRI-O) matches the pod's annotations on its sandbox too.
        if (PodSandbox.Is(annotations))
        {
            Log.PodSandbox(logger, id);
            return;
        }
        try
        {
            Trace(state, config, settings, logger, records, host, on);
        }
        catch (Exception e) when (settings.OnFailure == FailurePolicy.Warn)
        {
            // Whatever failed, foreseen or not: the owner asked to start untraced rather than not at all.
            Log.StartingUntraced(logger, id, HookSettings.OnFailureKey, VerbGuard.OneLine(e));
        }
    }

    private static void Trace(ContainerState state, ContainerConfig config, HookSettings settings, ILogger logger, InstanceRecords records,
        HookConf host, PrestartHost on)
    {
        var id = state.Id!;
        if (!Environment.IsPrivilegedProcess)
            throw new HookException("cannot trace: the hook runs without root (a rootless engine?) and only root can create ftrace instances and mounts");
        on.Starts.Mark();
        var rootfs = HookInput.RootfsOf(state.Bundle!, config);
        var saveDir = SaveDirectory.Choose(settings.SaveDir, host);
        var (uid, gid) = HostIds.ForProcess(config);
        var init = InitProcessLocator.Locate(state.Pid, on.ProcRoot);
        var traceFs = on.FindTraceFs(logger);
        // A name of its own for this start: an earlier start with the same id (still being
        // removed in the background, or running under another runtime root) is never waited for.
        var instance = traceFs.Instance(InstanceName.ForStart(id, init.Pid, init.StartTime));
        Log.PrestartBegin(logger, id, init.Pid, init.Command, instance.Name);

        var undo = new UndoStack((step, e) => Log.UndoFailed(logger, step, e.Message));
        IReadOnlyList<(string Name, InstanceRecord Record)> others;
        try
        {
            // The record comes first: an instance of ours never exists without one, so gc can
            // always tell whose it is, even when this process is killed right after the mkdir.
            // It binds the instance to this start: id, bundle, and the init by PID and start time.
            // Host-wide limits are checked under the same lock: the buffers are the host's memory.
            var record = new InstanceRecord
            {
                ContainerId = id, Bundle = state.Bundle, Pid = init.Pid, PidStartTime = init.StartTime,
                SaveDir = saveDir, Created = DateTimeOffset.UtcNow, Name = ContainerName.FromAnnotations(state.Annotations ?? config.Annotations),
                Tenant = Tenant.Of(state.Annotations ?? config.Annotations, id, host.TenantAnnotations),
                RingBufferBytes = RingBufferMemory.BytesFor(settings.BufferSizeKb, RingBufferMemory.OnlineCpus()),
            };
            var ringCap = host.MaxRingBufferBytes ?? RingBufferMemory.DefaultCap();
            if (!Admission.Admit(records, instance.Name, record, new Admission.Limits(host.MaxTracedContainers, ringCap,
                    host.MaxTracedContainersPerTenant, host.MaxRingBufferBytesPerTenant ?? ringCap / 2), out others))
            {
                // The same start named twice: the first traces it, the second does nothing.
                Log.AlreadyTracedStart(logger, id);
                return;
            }
            undo.Push($"delete record of {instance.Name}", () => records.Delete(instance.Name));

            instance.Create();
            undo.Push($"remove instance {instance.Name}", () => instance.Remove());

            InstanceSetup.Apply(instance, settings, init.Pid);
            records.Write(instance.Name, record with { Paths = PathCapture.Start(traceFs, instance, settings.Paths, logger, undo) });
            Log.Configured(logger, instance.Name, settings.Syscalls is null ? "all syscall" : string.Join(",", settings.Syscalls),
                settings.BufferSizeKb is { } kb ? $"{kb} KiB" : "default", settings.IncludeRuntimeSetup ? "recording now" : "recording from the container's exec");

            foreach (var file in TraceFile.Defaults)
                TraceFileOwnership.Give(instance.FilePath(file.Name), uid, gid);

            // Mounts happen in the container's namespace, never propagate out, and vanish with it:
            // nothing to undo on the host.
            on.MountIntoContainer(init, rootfs, settings, instance, config);
            Log.Mounted(logger, uid, gid, settings.MountPath);

            if (!InitProcessLocator.IsSame(init, on.ProcRoot))
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
            on.CollectLeftovers(records, others, instance.Name, host);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only housekeeping for other containers: never a reason to fail this one.
        }

        if ((settings.StopAfter is not null || settings.StopWhenFull) && !StopRecording.TryStart(instance.Name, settings.StopAfter, out var why))
            Log.StopAfterNotStarted(logger, instance.Name, why);
    }
}
