using System.Text.Json.Serialization;

namespace OciFtraceHook.Oci;

/// <summary>The OCI state a runtime writes on a hook's stdin (runtime-spec "State").
/// runc sends <c>pid</c> at prestart; podman's own poststop has none.</summary>
internal sealed record ContainerState
{
    [JsonPropertyName("ociVersion")] public string? OciVersion { get; init; }
    [JsonPropertyName("id")] public string? Id { get; init; }
    [JsonPropertyName("status")] public string? Status { get; init; }
    [JsonPropertyName("pid")] public int? Pid { get; init; }
    [JsonPropertyName("bundle")] public string? Bundle { get; init; }
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; init; }
}
