using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchitectureModel = ArchUnitNET.Domain.Architecture;

namespace OciFtraceHook.Tests.ArchitectureTests;

/// <summary>The hook's types grouped by the folder they live in, and which folder uses which.
/// A folder is the namespace under a root ("OciFtraceHook.Tracing" is Tracing); the root namespace
/// itself is "Root", the global Interop class is "Interop" and the top-level statements are
/// "Program". The same reading serves the hook's assembly and the planted violations of the
/// negative controls, which live under another root.</summary>
internal sealed class FolderGraph
{
    public const string RootFolder = "Root";

    private readonly string _root;

    private FolderGraph(IEnumerable<IType> types, string root)
    {
        _root = root;
        Types = types.Where(t => FolderOf(t) is not null).ToList();
    }

    public IReadOnlyList<IType> Types { get; }

    public static FolderGraph OfHook() => Load(typeof(HookException).Assembly, "OciFtraceHook");

    public static FolderGraph OfPlanted() =>
        Load(typeof(FolderGraph).Assembly, "OciFtraceHook.Tests.ArchitectureTests.Planted");

    private static readonly Dictionary<System.Reflection.Assembly, ArchitectureModel> Loaded = [];

    private static FolderGraph Load(System.Reflection.Assembly assembly, string root)
    {
        ArchitectureModel model;
        lock (Loaded)
        {
            if (!Loaded.TryGetValue(assembly, out model!))
                Loaded[assembly] = model = new ArchLoader().LoadAssemblies(assembly).Build();
        }
        return new FolderGraph(model.Types, root);
    }

    /// <summary>The folder of one of the root's types, or null for anyone else's (code generators'
    /// helpers in their own namespaces, the tests' own types).</summary>
    public string? FolderOf(IType type)
    {
        // A generic method's type parameter is listed as a "type" of the method's namespace; it
        // is no dependency of anyone's.
        if (type is GenericParameter) return null;
        var ns = type.Namespace.FullName;
        if (ns.Length == 0)
        {
            if (_root != "OciFtraceHook") return null;
            // The global namespace holds Interop (and its SyscallException) and the top-level
            // statements' Program, with the types the compiler generates for each.
            var outer = type.FullName.Split('+', '<', '>', '`').FirstOrDefault(p => p.Length > 0) ?? "";
            return outer.StartsWith("Program", StringComparison.Ordinal) ? "Program" : "Interop";
        }
        if (ns == _root) return RootFolder;
        if (!ns.StartsWith(_root + ".", StringComparison.Ordinal)) return null;
        return ns[(_root.Length + 1)..];
    }

    /// <summary>Every use of one folder by another: (from, to) with one example each.</summary>
    public SortedDictionary<(string From, string To), string> Edges()
    {
        var edges = new SortedDictionary<(string, string), string>();
        foreach (var type in Types)
        {
            var from = FolderOf(type)!;
            foreach (var dependency in type.Dependencies)
            {
                if (FolderOf(dependency.Target) is not { } to || to == from) continue;
                edges.TryAdd((from, to), $"{type.FullName} -> {dependency.Target.FullName}");
            }
        }
        return edges;
    }
}
