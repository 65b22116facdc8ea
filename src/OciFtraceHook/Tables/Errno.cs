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

    /// <summary>The number of an errno name (EPERM is 1), or null.</summary>
    public static int? Number(string name)
    {
        for (var i = 1; i < Table.Value.Length; i++)
        {
            if (Table.Value[i].Name == name) return i;
        }
        return TableFile.Rows("errno.tsv").FirstOrDefault(cols => cols[0] == name) is { } alias ? int.Parse(alias[1]) : null;
    }

    private static readonly Lazy<Dictionary<int, (string Name, string Message)>> Internal = new(() =>
        TableFile.Rows("kernel-errno.tsv").ToDictionary(cols => int.Parse(cols[1]), cols => (cols[0], cols[2])));

    /// <summary>The kernel's internal codes (ERESTARTSYS and kin) that a syscall exit event can
    /// record when the call is interrupted; null for any other number.</summary>
    public static (string Name, string Message)? KernelInternal(int number) =>
        Internal.Value.TryGetValue(number, out var known) ? known : null;

    private static (string, string)[] Load()
    {
        var rows = TableFile.Rows("errno.tsv").Select(cols => (Number: int.Parse(cols[1]), Name: cols[0], Message: cols[2])).ToList();
        var table = new (string, string)[rows.Max(r => r.Number) + 1];
        foreach (var (number, name, message) in rows)
        {
            if (table[number].Item1 is null) table[number] = (name, message); // first name is the primary one
        }
        return table;
    }
}
