using Microsoft.Extensions.Logging;
using OciFtraceHook.Container;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Processes;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Hook;

/// <summary>What prestart reaches on the host besides its records and settings: /proc, tracefs,
/// the start marker, the container's mount namespace and the housekeeping of other containers'
/// leftovers. The hook uses the host's; unit tests stand each in with a temporary directory or a
/// recorder.</summary>
internal sealed record PrestartHost
{
    public static PrestartHost OnHost { get; } = new();

    public string ProcRoot { get; init; } = "/proc";

    public Func<ILogger, TraceFs> FindTraceFs { get; init; } =
        logger => TraceFs.FindOrMount(path => Log.MountedTraceFs(logger, path));

    public ContainerStarts Starts { get; init; } = new();

    /// <summary>Makes the instance's files appear in the container: in its mount namespace, where
    /// they vanish with it.</summary>
    public Action<InitProcess, string, HookSettings, TraceInstance, ContainerConfig> MountIntoContainer { get; init; } =
        (init, rootfs, settings, instance, config) =>
            TraceMounts.Mount(init.Pid, rootfs, settings.MountPath, instance, TraceFile.Defaults, config.Mounts);

    /// <summary>Has instances that never got a poststop collected in the background, judging by the
    /// other records as admission read them.</summary>
    public Action<InstanceRecords, IReadOnlyList<(string Name, InstanceRecord Record)>, string, HookConf> CollectLeftovers { get; init; } =
        (records, others, ownInstance, host) =>
        {
            if (DetachedHook.AnyLeftBehind(records, others, except: ownInstance)) DetachedHook.TryStartGc(null, host.ConfigPath, out _);
        };
}
