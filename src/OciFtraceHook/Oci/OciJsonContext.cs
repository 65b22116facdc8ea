using System.Text.Json.Serialization;

namespace OciFtraceHook.Oci;

/// <summary>Source-generated (reflection-free) JSON for the hook entries the runtime shim writes into
/// config.json. (The state and config.json the hook reads at every start go through JsonFields.)</summary>
[JsonSourceGenerationOptions(
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HookEntry))]
internal sealed partial class OciJsonContext : JsonSerializerContext;
