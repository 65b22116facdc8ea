using Microsoft.Extensions.Logging;

namespace OciFtraceHook.Logging;

/// <summary>Every line the hook logs, source-generated (no boxing, no reflection).</summary>
internal static partial class Log
{
    [LoggerMessage(Level = LogLevel.Information, Message = "prestart: container {ContainerId} init pid {Pid} ({Command}), instance {Instance}")]
    public static partial void PrestartBegin(ILogger logger, string containerId, int pid, string command, string instance);

    [LoggerMessage(Level = LogLevel.Information, Message = "mounted tracefs at {Path}")]
    public static partial void MountedTraceFs(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "instance {Instance}: {Events} events, buffer {Buffer} per CPU, {Start}")]
    public static partial void Configured(ILogger logger, string instance, string events, string buffer, string start);

    [LoggerMessage(Level = LogLevel.Information, Message = "trace files owned by {Uid}:{Gid}, shown at {MountPath} in the container")]
    public static partial void Mounted(ILogger logger, uint uid, uint gid, string mountPath);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId}: tracing is disabled by annotation")]
    public static partial void Disabled(ILogger logger, string containerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId} is a pod's sandbox: not traced")]
    public static partial void PodSandbox(ILogger logger, string containerId);

    [LoggerMessage(Level = LogLevel.Information, Message = "poststop: container {ContainerId} has no instance {Instance}; nothing to save")]
    public static partial void NoInstance(ILogger logger, string containerId, string instance);

    [LoggerMessage(Level = LogLevel.Information, Message = "saved the trace of {ContainerId} to {Path}")]
    public static partial void Saved(ILogger logger, string containerId, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "removed instance {Instance}")]
    public static partial void Removed(ILogger logger, string instance);

    [LoggerMessage(Level = LogLevel.Information, Message = "removed {Path}: the temporary file of a save whose writer ended before it finished")]
    public static partial void AbandonedSaveRemoved(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "while undoing '{Step}': {Reason}")]
    public static partial void UndoFailed(ILogger logger, string step, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Stage} failed for container {ContainerId}: {Reason}")]
    public static partial void StageFailed(ILogger logger, string stage, string containerId, string reason, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "gc: cannot collect instance {Instance}: {Reason}")]
    public static partial void GcFailed(ILogger logger, string instance, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "gc: {Count} instance(s) collected")]
    public static partial void GcDone(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot hand the save and removal of {Instance} to a background process ({Reason}); doing both now")]
    public static partial void SavingInForeground(ILogger logger, string instance, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot start the background stop of {Instance} (stop-after): {Reason}; it records until the container ends")]
    public static partial void StopAfterNotStarted(ILogger logger, string instance, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "container {ContainerId} starts untraced ({Setting}=warn): {Reason}")]
    public static partial void StartingUntraced(ILogger logger, string containerId, string setting, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the trace of {ContainerId} is partial: {Lost} events were lost when the buffer was full (raise org.ociftracehook.buffer-size-kb)")]
    public static partial void LostEvents(ILogger logger, string containerId, long lost);

    [LoggerMessage(Level = LogLevel.Information, Message = "removed the old saved trace {Path} to keep within the disk budget (max-saved-mb, max-saved-mb-per-container in hook.conf)")]
    public static partial void BudgetRemoved(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "instance {Instance} cannot be removed: a file of it is held open by {Holders}; it records nothing and holds the smallest buffer until the descriptor is closed, and the next gc removes it then")]
    public static partial void InstancePinned(ILogger logger, string instance, string holders);

    [LoggerMessage(Level = LogLevel.Warning, Message = "instance {Instance} is held open and could not be fully disarmed: {Reason}")]
    public static partial void DisarmFailed(ILogger logger, string instance, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "container {ContainerId}: this start is traced already (the hook is named twice, by hooks.d and a CDI device, say): nothing more to do")]
    public static partial void AlreadyTracedStart(ILogger logger, string containerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}")]
    public static partial void SaveDropped(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "dropped the trace just saved, {Path} ({Megabytes} MiB): its container's traces would exceed their share of the disk budget (max-saved-mb, max-saved-mb-per-container in hook.conf), and no other container's traces are removed to make room for it")]
    public static partial void BudgetDroppedSaved(ILogger logger, string path, long megabytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "the trace of {ContainerId} goes to {HostSaveDir}: {Reason}")]
    public static partial void SaveDirRefused(ILogger logger, string containerId, string reason, string hostSaveDir);

    [LoggerMessage(Level = LogLevel.Warning, Message = "instance {Instance}: paths of file syscalls are not recorded: {Reason}")]
    public static partial void PathsUnavailable(ILogger logger, string instance, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "instance {Instance}: paths are read at the syscalls' entry only (this kernel has none of {Functions} to read its own copy from): a path whose page is not resident yet shows as (fault)")]
    public static partial void NoKernelCopies(ILogger logger, string instance, string functions);

    [LoggerMessage(Level = LogLevel.Information, Message = "instance {Instance}: paths of file syscalls are not recorded: {Reason}")]
    public static partial void PathsUnsupported(ILogger logger, string instance, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "removed {Count} path probes of group {Group}: no instance uses them")]
    public static partial void PathProbesRemoved(ILogger logger, int count, string group);

    [LoggerMessage(Level = LogLevel.Warning, Message = "cannot remove the path probes of group {Group}: {Reason}")]
    public static partial void PathProbesNotRemoved(ILogger logger, string group, string reason);
}
