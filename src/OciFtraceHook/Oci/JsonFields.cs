using System.Globalization;
using System.Text.Json;

namespace OciFtraceHook.Oci;

/// <summary>Reads the few fields the hook needs from a JSON object, through JsonDocument rather than
/// JsonSerializer. Under native AOT the serializer builds its metadata at first use, looking up
/// attributes through reflection for every type and property: measured with perf, that was about a
/// millisecond of each prestart and poststop, on the path of every container start.
/// Fields match by exact name, a field given twice counts by its last value (as with JsonSerializer,
/// and Go's encoding/json, which runc uses), unknown fields are ignored, a null field is an absent
/// one, and a field of the wrong kind is an error that names its path.</summary>
internal static class JsonFields
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Parses <paramref name="json"/>, whose root must be an object, and reads it with
    /// <paramref name="read"/> (given the root and its path, "$"). <paramref name="what"/> names the
    /// input in the one-line error any fault gives.</summary>
    public static T Read<T>(ReadOnlyMemory<byte> json, string what, Func<JsonElement, string, T> read)
    {
        try
        {
            using var document = JsonDocument.Parse(json, Options);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Null) throw new HookException($"{what} is JSON null, not an object");
            return read(Expect(root, JsonValueKind.Object, "$"), "$");
        }
        catch (JsonException e)
        {
            throw new HookException($"{what} is not valid: {e.Message}", e);
        }
        catch (FieldException e)
        {
            throw new HookException($"{what} is not valid: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            // A string whose escapes are not valid UTF-16 (a lone surrogate, "\ud800").
            throw new HookException($"{what} is not valid: {e.Message}", e);
        }
    }

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public static JsonElement? Field(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public static JsonElement? Object(JsonElement obj, string name, string path) =>
        Field(obj, name) is { } value ? Expect(value, JsonValueKind.Object, path + "." + name) : null;

    public static string? String(JsonElement obj, string name, string path) =>
        Field(obj, name) is { } value ? Expect(value, JsonValueKind.String, path + "." + name).GetString() : null;

    public static bool Boolean(JsonElement obj, string name, string path) =>
        Field(obj, name) is { } value && value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(path + "." + name, "true or false"),
        };

    public static uint UInt32(JsonElement obj, string name, string path) =>
        Field(obj, name) is { } value ? Number(value, path + "." + name, (JsonElement e, out uint n) => e.TryGetUInt32(out n)) : 0;

    public static int? Int32(JsonElement obj, string name, string path) =>
        Field(obj, name) is { } value ? Number(value, path + "." + name, (JsonElement e, out int n) => e.TryGetInt32(out n)) : null;

    public static long Int64(JsonElement obj, string name, string path) =>
        Field(obj, name) is { } value ? Number(value, path + "." + name, (JsonElement e, out long n) => e.TryGetInt64(out n)) : 0;

    public static ulong UInt64(JsonElement obj, string name, string path) =>
        Field(obj, name) is { } value ? Number(value, path + "." + name, (JsonElement e, out ulong n) => e.TryGetUInt64(out n)) : 0;

    public static DateTimeOffset DateTimeOffset(JsonElement obj, string name, string path) =>
        DateTimeOffsetOrNull(obj, name, path) ?? default;

    public static DateTimeOffset? DateTimeOffsetOrNull(JsonElement obj, string name, string path)
    {
        if (Field(obj, name) is not { } value) return null;
        return Expect(value, JsonValueKind.String, path + "." + name).TryGetDateTimeOffset(out var time)
            ? time : throw Wrong(path + "." + name, "a date and time (ISO 8601)");
    }

    /// <summary>An object of strings (annotations), or null when absent.</summary>
    public static Dictionary<string, string>? StringMap(JsonElement obj, string name, string path)
    {
        if (Object(obj, name, path) is not { } map) return null;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var member in map.EnumerateObject())
            result[member.Name] = Expect(member.Value, JsonValueKind.String, $"a value of {path}.{name}").GetString()!;
        return result;
    }

    /// <summary>An array whose items <paramref name="item"/> reads (given each item's path), or null when absent.</summary>
    public static List<T>? Array<T>(JsonElement obj, string name, string path, Func<JsonElement, string, T> item)
    {
        if (Field(obj, name) is not { } array) return null;
        var arrayPath = path + "." + name;
        Expect(array, JsonValueKind.Array, arrayPath);
        var result = new List<T>(array.GetArrayLength());
        var index = 0;
        foreach (var element in array.EnumerateArray())
            result.Add(item(element, $"{arrayPath}[{(index++).ToString(CultureInfo.InvariantCulture)}]"));
        return result;
    }

    public static JsonElement Expect(JsonElement value, JsonValueKind kind, string path) =>
        value.ValueKind == kind ? value : throw Wrong(path, kind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            _ => kind.ToString(),
        });

    private delegate bool TryGet<T>(JsonElement element, out T value);

    private static T Number<T>(JsonElement value, string path, TryGet<T> tryGet) =>
        value.ValueKind == JsonValueKind.Number && tryGet(value, out var number)
            ? number
            : throw Wrong(path, "a whole number in range");

    private static FieldException Wrong(string path, string expected) => new($"{path} is not {expected}");

    private sealed class FieldException(string message) : Exception(message);
}
