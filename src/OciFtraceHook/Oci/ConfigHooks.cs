using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OciFtraceHook.Oci;

/// <summary>One entry of config.json <c>hooks.prestart</c> or <c>hooks.poststop</c> (runtime-spec
/// "POSIX-platform Hooks").</summary>
internal sealed record HookEntry
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("args")] public string[]? Args { get; init; }
    [JsonPropertyName("env")] public string[]? Env { get; init; }
    [JsonPropertyName("timeout")] public int? Timeout { get; init; }
}

/// <summary>Adds the hook's entries to a config.json, keeping everything else as it was: the
/// members and their order, every value's text (numbers are copied as written), and hooks
/// already there (ours are appended after them). A document that is not a single JSON object, or
/// has a key twice where it matters (Go, which runc is written in, would take the last one), is
/// refused with an <see cref="InvalidDataException"/>, so nothing ambiguous is rewritten.</summary>
internal static class ConfigHooks
{
    private static readonly JsonDocumentOptions ReadOptions = new() { MaxDepth = 64 };

    /// <summary>config.json is not embedded in HTML: keep non-ASCII and '+', '&lt;' as they were.</summary>
    private static readonly JsonWriterOptions WriteOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static JsonDocument Parse(ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, ReadOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"not valid JSON: {e.Message}", e);
        }
        var kind = document.RootElement.ValueKind;
        if (kind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new InvalidDataException($"a JSON {kind}, not an object");
        }
        return document;
    }

    /// <summary>The value of an annotation, or null when config.json does not have it.</summary>
    public static string? Annotation(JsonElement config, string key) =>
        config.TryGetProperty("annotations", out var annotations) && annotations.ValueKind == JsonValueKind.Object
            && annotations.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Whether any hook of any stage already runs <paramref name="hookPath"/> (an engine's
    /// hooks.d, or a config.json prepared by hand): then the shim adds nothing, since a second
    /// prestart for the same container would be refused.</summary>
    public static bool NamesHook(JsonElement config, string hookPath)
    {
        if (!config.TryGetProperty("hooks", out var hooks) || hooks.ValueKind != JsonValueKind.Object) return false;
        foreach (var stage in hooks.EnumerateObject())
        {
            if (stage.Value.ValueKind != JsonValueKind.Array) continue;
            foreach (var hook in stage.Value.EnumerateArray())
            {
                if (hook.ValueKind == JsonValueKind.Object && hook.TryGetProperty("path", out var path)
                    && path.ValueKind == JsonValueKind.String && path.ValueEquals(hookPath))
                    return true;
            }
        }
        return false;
    }

    /// <summary>config.json with <paramref name="prestart"/> appended to <c>hooks.prestart</c> and
    /// <paramref name="poststop"/> to <c>hooks.poststop</c>, creating what is missing.</summary>
    public static byte[] Append(JsonElement config, HookEntry prestart, HookEntry poststop)
    {
        var output = new ArrayBufferWriter<byte>(16384);
        using (var writer = new Utf8JsonWriter(output, WriteOptions))
        {
            writer.WriteStartObject();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var wroteHooks = false;
            foreach (var member in config.EnumerateObject())
            {
                if (!seen.Add(member.Name)) throw new InvalidDataException($"config.json has the key '{member.Name}' twice");
                if (member.Name == "hooks" && member.Value.ValueKind != JsonValueKind.Null)
                {
                    WriteHooks(writer, member.Value, prestart, poststop);
                    wroteHooks = true;
                }
                else if (member.Name != "hooks")
                {
                    member.WriteTo(writer);
                }
            }
            if (!wroteHooks) WriteHooks(writer, default, prestart, poststop);
            writer.WriteEndObject();
        }
        return output.WrittenSpan.ToArray();
    }

    private static void WriteHooks(Utf8JsonWriter writer, JsonElement existing, HookEntry prestart, HookEntry poststop)
    {
        writer.WritePropertyName("hooks");
        writer.WriteStartObject();
        bool wrotePrestart = false, wrotePoststop = false;
        if (existing.ValueKind != JsonValueKind.Undefined)
        {
            if (existing.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"config.json 'hooks' is a JSON {existing.ValueKind}, not an object");
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var stage in existing.EnumerateObject())
            {
                if (!seen.Add(stage.Name)) throw new InvalidDataException($"config.json has 'hooks.{stage.Name}' twice");
                var ours = stage.Name switch { "prestart" => prestart, "poststop" => poststop, _ => null };
                if (ours is null)
                {
                    stage.WriteTo(writer);
                    continue;
                }
                if (stage.Value.ValueKind is not (JsonValueKind.Array or JsonValueKind.Null))
                    throw new InvalidDataException($"config.json 'hooks.{stage.Name}' is a JSON {stage.Value.ValueKind}, not an array");
                WriteStage(writer, stage.Name, stage.Value, ours);
                if (stage.Name == "prestart") wrotePrestart = true;
                else wrotePoststop = true;
            }
        }
        if (!wrotePrestart) WriteStage(writer, "prestart", default, prestart);
        if (!wrotePoststop) WriteStage(writer, "poststop", default, poststop);
        writer.WriteEndObject();
    }

    private static void WriteStage(Utf8JsonWriter writer, string name, JsonElement existing, HookEntry ours)
    {
        writer.WritePropertyName(name);
        writer.WriteStartArray();
        if (existing.ValueKind == JsonValueKind.Array)
        {
            foreach (var hook in existing.EnumerateArray()) hook.WriteTo(writer);
        }
        JsonSerializer.Serialize(writer, ours, OciJsonContext.Default.HookEntry);
        writer.WriteEndArray();
    }
}
