using System.Text.Json;

namespace OciFtraceHook.Oci;

/// <summary>The OCI state a runtime writes on a hook's stdin (runtime-spec "State").
/// runc sends <c>pid</c> at prestart; podman's own poststop has none.</summary>
internal sealed record ContainerState
{
    public string? OciVersion { get; init; }
    public string? Id { get; init; }
    public string? Status { get; init; }
    public int? Pid { get; init; }
    public string? Bundle { get; init; }
    public Dictionary<string, string>? Annotations { get; init; }

    public static ContainerState FromJson(JsonElement o, string path) => new()
    {
        OciVersion = JsonFields.String(o, "ociVersion", path),
        Id = JsonFields.String(o, "id", path),
        Status = JsonFields.String(o, "status", path),
        Pid = JsonFields.Int32(o, "pid", path),
        Bundle = JsonFields.String(o, "bundle", path),
        Annotations = JsonFields.StringMap(o, "annotations", path),
    };
}
