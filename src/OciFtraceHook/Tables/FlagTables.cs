namespace OciFtraceHook.Tables;

/// <summary>Named flag and value sets (flags.tsv), per architecture where they differ.</summary>
internal sealed class FlagTables
{
    private static readonly Lazy<FlagTables> X86 = new(() => new FlagTables(TraceArch.X86_64));
    private static readonly Lazy<FlagTables> Arm = new(() => new FlagTables(TraceArch.Arm64));

    internal sealed record Table(bool IsFlags, (string Name, ulong Value)[] Entries);

    private readonly Dictionary<string, Table> _tables = new(StringComparer.Ordinal);

    private FlagTables(TraceArch arch)
    {
        var suffix = "." + TraceArchNames.Name(arch);
        var sections = new Dictionary<string, (bool IsFlags, List<(string, ulong)> Rows)>(StringComparer.Ordinal);
        List<(string, ulong)>? current = null;
        foreach (var line in TableFile.Lines("flags.tsv"))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            if (line[0] == '[')
            {
                var header = line.Trim('[', ']').Split(' ');
                current = [];
                sections[header[0]] = (header[1] == "flags", current);
                continue;
            }
            var cols = line.Split('\t');
            current!.Add((cols[0], TableFile.ParseNumber(cols[1])));
        }
        foreach (var (name, section) in sections)
        {
            var dot = name.IndexOf('.');
            if (dot >= 0)
            {
                if (name.EndsWith(suffix, StringComparison.Ordinal)) _tables[name[..dot]] = new Table(section.IsFlags, section.Rows.ToArray());
                continue;
            }
            _tables.TryAdd(name, new Table(section.IsFlags, section.Rows.ToArray()));
        }
    }

    public static FlagTables For(TraceArch arch) => arch == TraceArch.Arm64 ? Arm.Value : X86.Value;

    public Table? Get(string name) => _tables.GetValueOrDefault(name);
}
