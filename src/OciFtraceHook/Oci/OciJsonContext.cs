using System.Text.Json.Serialization;

namespace OciFtraceHook.Oci;

/// <summary>Source-generated (reflection-free) JSON for everything the hook reads and writes.</summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(HookEntry))]
[JsonSerializable(typeof(Tracing.InstanceRecord))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
