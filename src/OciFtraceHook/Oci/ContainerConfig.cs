using System.Text.Json;

namespace OciFtraceHook.Oci;

/// <summary>The part of a bundle's config.json the hook needs; everything else is ignored.</summary>
internal sealed record ContainerConfig
{
    public RootConfig? Root { get; init; }
    public ProcessConfig? Process { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }
    public LinuxConfig? Linux { get; init; }
    public List<MountConfig>? Mounts { get; init; }

    public static ContainerConfig FromJson(JsonElement o, string path) => new()
    {
        Root = JsonFields.Object(o, "root", path) is { } root ? RootConfig.FromJson(root, path + ".root") : null,
        Process = JsonFields.Object(o, "process", path) is { } process ? ProcessConfig.FromJson(process, path + ".process") : null,
        Annotations = JsonFields.StringMap(o, "annotations", path),
        Linux = JsonFields.Object(o, "linux", path) is { } linux ? LinuxConfig.FromJson(linux, path + ".linux") : null,
        Mounts = JsonFields.Array(o, "mounts", path, (item, at) => MountConfig.FromJson(JsonFields.Expect(item, JsonValueKind.Object, at), at)),
    };
}

/// <summary>One entry of config.json mounts: what the runtime mounts where in the container.</summary>
internal sealed record MountConfig
{
    public string? Destination { get; init; }
    public string? Type { get; init; }
    public string? Source { get; init; }
    public List<string>? Options { get; init; }

    public static MountConfig FromJson(JsonElement o, string path) => new()
    {
        Destination = JsonFields.String(o, "destination", path),
        Type = JsonFields.String(o, "type", path),
        Source = JsonFields.String(o, "source", path),
        Options = JsonFields.Array(o, "options", path, (item, at) => JsonFields.Expect(item, JsonValueKind.String, at).GetString()!),
    };
}

internal sealed record RootConfig
{
    public string? Path { get; init; }
    public bool Readonly { get; init; }

    public static RootConfig FromJson(JsonElement o, string path) => new()
    {
        Path = JsonFields.String(o, "path", path),
        Readonly = JsonFields.Boolean(o, "readonly", path),
    };
}

internal sealed record ProcessConfig
{
    public UserConfig? User { get; init; }

    public static ProcessConfig FromJson(JsonElement o, string path) => new()
    {
        User = JsonFields.Object(o, "user", path) is { } user ? UserConfig.FromJson(user, path + ".user") : null,
    };
}

internal sealed record UserConfig
{
    public uint Uid { get; init; }
    public uint Gid { get; init; }

    public static UserConfig FromJson(JsonElement o, string path) => new()
    {
        Uid = JsonFields.UInt32(o, "uid", path),
        Gid = JsonFields.UInt32(o, "gid", path),
    };
}

internal sealed record LinuxConfig
{
    public List<IdMapping>? UidMappings { get; init; }
    public List<IdMapping>? GidMappings { get; init; }
    public List<NamespaceConfig>? Namespaces { get; init; }

    public static LinuxConfig FromJson(JsonElement o, string path) => new()
    {
        UidMappings = JsonFields.Array(o, "uidMappings", path, IdMapping.FromJsonItem),
        GidMappings = JsonFields.Array(o, "gidMappings", path, IdMapping.FromJsonItem),
        Namespaces = JsonFields.Array(o, "namespaces", path, (item, at) =>
        {
            JsonFields.Expect(item, JsonValueKind.Object, at);
            return new NamespaceConfig { Type = JsonFields.String(item, "type", at), Path = JsonFields.String(item, "path", at) };
        }),
    };
}

internal sealed record NamespaceConfig
{
    public string? Type { get; init; }
    public string? Path { get; init; }
}

/// <summary>One line of linux.uidMappings / gidMappings: container ids
/// [ContainerId, ContainerId+Size) are host ids [HostId, HostId+Size).</summary>
internal sealed record IdMapping
{
    public uint ContainerId { get; init; }
    public uint HostId { get; init; }
    public uint Size { get; init; }

    public static IdMapping FromJsonItem(JsonElement item, string path)
    {
        JsonFields.Expect(item, JsonValueKind.Object, path);
        return new IdMapping
        {
            ContainerId = JsonFields.UInt32(item, "containerID", path),
            HostId = JsonFields.UInt32(item, "hostID", path),
            Size = JsonFields.UInt32(item, "size", path),
        };
    }
}
