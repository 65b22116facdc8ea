namespace OciFtraceHook.Tests.ArchitectureTests;

/// <summary>The folders and the uses between them, declared (docs/layout.md draws the same
/// picture). A folder may use its own types and those of the folders listed for it, nothing
/// else; the table is a DAG, so dependencies point one way; and the table claims no use the code
/// does not make, so it stays a true picture.</summary>
public class LayeringTests
{
    /// <summary>Each folder and the folders it uses. Root is the root namespace (the exceptions
    /// every layer throws, mount flags, path resolution); Interop the global Interop class; Program
    /// the verbs.</summary>
    internal static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["Root"] = [],
        ["Tables"] = [],
        ["Interop"] = ["Root", "Tables"],
        ["Logging"] = [],
        ["HostFiles"] = ["Root", "Tables", "Interop"],
        ["TraceDat"] = ["Root", "Tables", "Logging"],
        ["Oci"] = ["Root", "Interop", "HostFiles"],
        ["Processes"] = ["Root", "Interop"],
        ["Records"] = ["Root", "HostFiles", "Oci", "Processes"],
        ["Tracing"] = ["Root", "Tables", "Interop", "HostFiles", "TraceDat", "Oci"],
        ["Container"] = ["Root", "Interop", "Oci", "Tracing"],
        ["SavedTraces"] = ["Root", "Tables", "Interop", "HostFiles", "TraceDat", "Oci", "Records", "Tracing"],
        ["Decoding"] = ["Tables", "Logging", "TraceDat", "Tracing", "SavedTraces"],
        ["Export"] = ["Root", "Tables", "Logging", "TraceDat", "SavedTraces", "Decoding"],
        ["Hook"] = ["Root", "Interop", "Logging", "HostFiles", "Oci", "Processes", "Records", "Tracing", "Container", "SavedTraces", "Decoding"],
        ["Commands"] = ["Root", "Tables", "Interop", "Logging", "HostFiles", "TraceDat", "Oci", "Records", "Tracing", "SavedTraces", "Decoding", "Export", "Hook"],
        ["Program"] = ["Root", "Interop", "Logging", "Oci", "Records", "Tracing", "Commands", "Hook"],
    };

    [Test]
    public void Every_folder_of_the_hook_is_in_the_table()
    {
        var graph = FolderGraph.OfHook();
        Assert.That(graph.Types, Has.Count.GreaterThan(50), "the hook's types were loaded");
        var unknown = graph.Types.Select(graph.FolderOf).Distinct().Where(f => !Allowed.ContainsKey(f!)).ToList();
        Assert.That(unknown, Is.Empty, "a new folder must take its place in the table (and in docs/layout.md)");
    }

    [Test]
    public void The_table_has_no_cycle()
    {
        Assert.That(FindCycle(Allowed), Is.Null);
    }

    [Test]
    public void Every_use_between_folders_is_one_the_table_allows()
    {
        Assert.That(Disallowed(FolderGraph.OfHook(), Allowed), Is.Empty);
    }

    [Test]
    public void The_table_claims_no_use_the_code_does_not_make()
    {
        var used = FolderGraph.OfHook().Edges().Keys.ToHashSet();
        var claimed = Allowed.SelectMany(kv => kv.Value.Select(to => (kv.Key, to))).Where(e => !used.Contains(e))
            .Select(e => $"{e.Key} -> {e.to}").ToList();
        Assert.That(claimed, Is.Empty, "allowed but unused: drop them from the table");
    }

    /// <summary>Negative controls: the same checks fail on planted violations (Planted/).</summary>
    [Test]
    public void A_planted_use_against_the_table_is_reported()
    {
        var planted = FolderGraph.OfPlanted();
        Assert.That(planted.Types, Is.Not.Empty, "the planted types were loaded");
        var table = new Dictionary<string, string[]> { ["Tables"] = [], ["Decoding"] = [], ["Export"] = [], ["Hook"] = [] };
        var found = Disallowed(planted, table);
        Assert.Multiple(() =>
        {
            Assert.That(found, Has.Some.StartsWith("Tables -> Hook: "), "a direct call");
            Assert.That(found, Has.Some.StartsWith("Decoding -> Hook: "), "a call from a local function");
            Assert.That(found, Has.Some.StartsWith("Export -> Hook: "), "a call from a lambda");
        });
    }

    [Test]
    public void A_planted_cycle_is_reported()
    {
        var table = new Dictionary<string, string[]> { ["A"] = ["B"], ["B"] = ["C"], ["C"] = ["A"] };
        Assert.That(FindCycle(table), Is.EqualTo("A -> B -> C -> A"));
    }

    private static List<string> Disallowed(FolderGraph graph, IReadOnlyDictionary<string, string[]> table) =>
        graph.Edges().Where(e => !(table.TryGetValue(e.Key.From, out var allowed) && allowed.Contains(e.Key.To)))
            .Select(e => $"{e.Key.From} -> {e.Key.To}: {e.Value}").ToList();

    private static string? FindCycle(IReadOnlyDictionary<string, string[]> table)
    {
        var done = new HashSet<string>();
        var path = new List<string>();
        string? Visit(string folder)
        {
            var at = path.IndexOf(folder);
            if (at >= 0) return string.Join(" -> ", path.Skip(at).Append(folder));
            if (!done.Add(folder)) return null;
            path.Add(folder);
            foreach (var next in table.GetValueOrDefault(folder, []))
            {
                if (Visit(next) is { } cycle) return cycle;
            }
            path.RemoveAt(path.Count - 1);
            return null;
        }
        return table.Keys.Select(Visit).FirstOrDefault(c => c is not null);
    }
}
