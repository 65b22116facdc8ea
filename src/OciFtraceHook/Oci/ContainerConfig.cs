using System.Text.Json.Serialization;

namespace OciFtraceHook.Oci;

/// <summary>The part of a bundle's config.json the hook needs; everything else is ignored.</summary>
internal sealed record ContainerConfig
{
    [JsonPropertyName("root")] public RootConfig? Root { get; init; }
    [JsonPropertyName("process")] public ProcessConfig? Process { get; init; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
    [JsonPropertyName("linux")] public LinuxConfig? Linux { get; init; }
    [JsonPropertyName("mounts")] public List<MountConfig>? Mounts { get; init; }
}

/// <summary>One entry of config.json mounts: what the runtime mounts where in the container.</summary>
internal sealed record MountConfig
{
    [JsonPropertyName("destination")] public string? Destination { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("source")] public string? Source { get; init; }
    [JsonPropertyName("options")] public List<string>? Options { get; init; }
}

internal sealed record RootConfig
{
    [JsonPropertyName("path")] public string? Path { get; init; }
    [JsonPropertyName("readonly")] public bool Readonly { get; init; }
}

internal sealed record ProcessConfig
{
    [JsonPropertyName("user")] public UserConfig? User { get; init; }
}

internal sealed record UserConfig
{
    [JsonPropertyName("uid")] public uint Uid { get; init; }
    [JsonPropertyName("gid")] public uint Gid { get; init; }
}

internal sealed record LinuxConfig
{
    [JsonPropertyName("uidMappings")] public List<IdMapping>? UidMappings { get; init; }
    [JsonPropertyName("gidMappings")] public List<IdMapping>? GidMappings { get; init; }
    [JsonPropertyName("namespaces")] public List<NamespaceConfig>? Namespaces { get; init; }
}

internal sealed record NamespaceConfig
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
}

/// <summary>One line of linux.uidMappings / gidMappings: container ids
/// [ContainerId, ContainerId+Size) are host ids [HostId, HostId+Size).</summary>
internal sealed record IdMapping
{
    [JsonPropertyName("containerID")] public uint ContainerId { get; init; }
    [JsonPropertyName("hostID")] public uint HostId { get; init; }
    [JsonPropertyName("size")] public uint Size { get; init; }
}
