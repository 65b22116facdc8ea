using System.Globalization;
using System.Reflection;

namespace OciFtraceHook.Tables;

/// <summary>Reads the embedded tab-separated tables (comments start with '#').</summary>
internal static class TableFile
{
    public static IEnumerable<string[]> Rows(string resourceName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resourceName)
                           ?? throw new InvalidOperationException($"{resourceName} is not embedded");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            yield return line.Split('\t');
        }
    }

    /// <summary>The raw lines, for files with sections.</summary>
    public static IEnumerable<string> Lines(string resourceName)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(resourceName)
                           ?? throw new InvalidOperationException($"{resourceName} is not embedded");
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line) yield return line;
    }

    /// <summary>A table's value: "0x" hex or decimal, as the tables' headers say.</summary>
    public static ulong ParseNumber(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal)
            ? ulong.Parse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)
            : ulong.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
