using System.Globalization;

namespace OciFtraceHook.TraceDat;

/// <summary>One field of an event's format: "field:int dfd; offset:16; size:8; signed:0;".
/// <c>__data_loc</c> fields hold a 32-bit (length &lt;&lt; 16 | offset) pointing at bytes later in
/// the event; a <c>char buf[]</c> of size 0 runs to the end of the event.</summary>
internal sealed record EventField(string Name, int Offset, int Size, bool Signed, bool DataLoc, bool Array);

/// <summary>An event's format file (events/SYSTEM/NAME/format), parsed as libtraceevent's
/// event-parse.c does for the parts a syscall trace needs: its name, id and fields.</summary>
internal sealed class EventFormat
{
    /// <summary>A format longer than this is refused (the kernel's are under 4 KiB).</summary>
    public const int MaxFields = 256;

    public required string System { get; init; }
    public required string Name { get; init; }
    public required int Id { get; init; }
    public required IReadOnlyList<EventField> Fields { get; init; }
    /// <summary>The "print fmt:" line's text (after the colon), or "": it tells a string from bytes.</summary>
    public string PrintFormat { get; init; } = "";

    public EventField? Field(string name) => Fields.FirstOrDefault(f => f.Name == name);

    /// <summary>The format, or null when the text is not one (no name, no id, a field that does
    /// not parse).</summary>
    public static EventFormat? Parse(string system, string text)
    {
        string? name = null;
        int? id = null;
        var print = "";
        var fields = new List<EventField>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("name: ", StringComparison.Ordinal)) name = line[6..].Trim();
            else if (line.StartsWith("ID: ", StringComparison.Ordinal))
                id = int.TryParse(line[4..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
            else if (line.StartsWith("print fmt:", StringComparison.Ordinal)) print = line["print fmt:".Length..].Trim();
            else if (line.StartsWith("field:", StringComparison.Ordinal))
            {
                if (fields.Count >= MaxFields) return null;
                var field = ParseField(line);
                if (field is null) return null;
                fields.Add(field);
            }
        }
        if (name is null || id is not { } eventId || eventId is < 0 or > ushort.MaxValue) return null;
        return new EventFormat { System = system, Name = name, Id = eventId, Fields = fields, PrintFormat = print };
    }

    private static EventField? ParseField(string line)
    {
        var semi = line.IndexOf(';');
        if (semi < 0) return null;
        var declaration = line[6..semi].Trim();
        var array = false;
        if (declaration.EndsWith(']'))
        {
            array = true;
            var open = declaration.LastIndexOf('[');
            if (open < 0) return null;
            declaration = declaration[..open].TrimEnd();
        }
        var space = declaration.LastIndexOfAny([' ', '*']);
        var name = space < 0 ? declaration : declaration[(space + 1)..];
        if (name.Length == 0) return null;
        var offset = Number(line, "offset:");
        var size = Number(line, "size:");
        var signed = Number(line, "signed:");
        if (offset is not { } o || size is not { } s || o > ushort.MaxValue || s > ushort.MaxValue) return null;
        return new EventField(name, o, s, signed == 1, declaration.StartsWith("__data_loc", StringComparison.Ordinal), array);
    }

    private static int? Number(string line, string key)
    {
        var at = line.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = line.AsSpan(at + key.Length);
        var end = rest.IndexOf(';');
        return int.TryParse(end < 0 ? rest : rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}
