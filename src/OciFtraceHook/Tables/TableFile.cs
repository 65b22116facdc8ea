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
}
