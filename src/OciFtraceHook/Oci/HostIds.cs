namespace OciFtraceHook.Oci;

/// <summary>Maps the container process's uid/gid to the ids the host sees, so the trace
/// files can be chowned to the user the container's program runs as.</summary>
internal static class HostIds
{
    public static (uint Uid, uint Gid) ForProcess(ContainerConfig config)
    {
        var user = config.Process?.User ?? new UserConfig();
        return (Map(user.Uid, config.Linux?.UidMappings, "uid"), Map(user.Gid, config.Linux?.GidMappings, "gid"));
    }

    /// <summary>No mappings: no user namespace, the id is the host's. Otherwise the id must
    /// fall inside one mapping, else the container user has no host identity to own files.</summary>
    public static uint Map(uint containerId, IReadOnlyList<IdMapping>? mappings, string kind)
    {
        if (mappings is null || mappings.Count == 0) return containerId;
        foreach (var m in mappings)
        {
            if (containerId >= m.ContainerId && (ulong)containerId - m.ContainerId < m.Size)
            {
                ulong host = (ulong)m.HostId + (containerId - m.ContainerId);
                if (host > uint.MaxValue - 1) break;
                return (uint)host;
            }
        }
        throw new HookException($"container {kind} {containerId} is not in linux.{kind}Mappings: it has no host {kind} to own the trace files");
    }
}
