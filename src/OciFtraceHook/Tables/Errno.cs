using System.Reflection;

namespace OciFtraceHook.Tables;

/// <summary>errno names and messages of Linux (asm-generic numbering, shared by x86_64 and
/// arm64), read from the embedded errno.tsv the first time one is asked for.</summary>
internal static class Errno
{
    private static readonly Lazy<(string Name, string Message)[]> Table = new(Load);

    /// <summary>The primary name, e.g. ENOENT for 2; "E123" style when unknown.</summary>
    public static string Name(int number) =>
        (uint)number < (uint)Table.Value.Length && Table.Value[number].Name is { } n && n.Length > 0 ? n : $"E{number}";

    public static string Message(int number) =>
        (uint)number < (uint)Table.Value.Length && Table.Value[number].Message is { Length: > 0 } m ? m : $"Unknown error {number}";

    public static int MaxNumber => Table.Value.Length - 1;

    private static (string, string)[] Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("errno.tsv")
            ?? throw new InvalidOperationException("errno.tsv is not embedded");
        using var reader = new StreamReader(stream);
        var rows = new List<(int Number, string Name, string Message)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var cols = line.Split('\t');
            rows.Add((int.Parse(cols[1]), cols[0], cols[2]));
        }
        var table = new (string, string)[rows.Max(r => r.Number) + 1];
        foreach (var (number, name, message) in rows)
        {
            if (table[number].Item1 is null) table[number] = (name, message); // first name is the primary one
        }
        return table;
    }
}
