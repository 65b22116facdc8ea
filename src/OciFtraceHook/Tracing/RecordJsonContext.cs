using System.Text.Json.Serialization;

namespace OciFtraceHook.Tracing;

/// <summary>Source-generated (reflection-free) JSON for the instance records under /run.</summary>
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(InstanceRecord))]
internal sealed partial class RecordJsonContext : JsonSerializerContext;
