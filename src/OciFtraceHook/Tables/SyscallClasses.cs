namespace OciFtraceHook.Tables;

/// <summary>strace's syscall classes (-e trace=%file ...), from syscall-classes.tsv.</summary>
internal static class SyscallClasses
{
    private static readonly Lazy<Dictionary<string, string[]>> Table = new(() =>
        TableFile.Rows("syscall-classes.tsv").ToDictionary(row => row[0], row => row[1].Split(','), StringComparer.Ordinal));

    public static IEnumerable<string> Members(string className) =>
        Table.Value.TryGetValue(className, out var members) ? members : [];

    public static IEnumerable<string> Names => Table.Value.Keys;
}
