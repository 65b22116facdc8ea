using System.Text.Json.Serialization;

namespace OciFtraceHook.Oci;

/// <summary>Source-generated (reflection-free) JSON for the OCI state and config the hook reads, and the hook entries the runtime shim writes.</summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ContainerState))]
[JsonSerializable(typeof(ContainerConfig))]
[JsonSerializable(typeof(HookEntry))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
