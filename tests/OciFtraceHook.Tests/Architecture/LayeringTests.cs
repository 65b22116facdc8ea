using ArchUnitNET.Domain;
using ArchUnitNET.Loader;
using ArchitectureModel = ArchUnitNET.Domain.Architecture;

namespace OciFtraceHook.Tests.ArchitectureTests;

/// <summary>The folders are layers and dependencies point one way, down this list (docs/layout.md).
/// A type may use its own layer and any layer listed before it, never one after it.</summary>
public class LayeringTests
{
    /// <summary>Bottom first. "OciFtraceHook" is the root namespace (the exceptions every layer
    /// throws, mount flags); Interop is the global <c>Interop</c> class; Program is the verbs.</summary>
    private static readonly string[] Layers =
    [
        "OciFtraceHook",
        "OciFtraceHook.Tables",
        "Interop",
        "OciFtraceHook.Logging",
        "OciFtraceHook.Oci",
        "OciFtraceHook.Processes",
        "OciFtraceHook.Tracing",
        "OciFtraceHook.Container",
        "OciFtraceHook.SavedTraces",
        "OciFtraceHook.Decoding",
        "OciFtraceHook.Export",
        "OciFtraceHook.Hook",
        "OciFtraceHook.Commands",
        "Program",
    ];

    private static readonly ArchitectureModel Architecture =
        new ArchLoader().LoadAssemblies(typeof(HookException).Assembly).Build();

    /// <summary>The layer of a type of ours, or null for code generators' helpers in their own
    /// namespaces (System.Text.RegularExpressions.Generated...), which belong to no layer.</summary>
    internal static int? LayerOf(IType type)
    {
        // A generic method's type parameter is listed as a "type" of the method's namespace; it
        // is no dependency of anyone's.
        if (type is GenericParameter) return null;
        var ns = type.Namespace.FullName;
        if (ns.Length == 0)
        {
            // The global namespace holds Interop (and its SyscallException) and the top-level
            // statements' Program, with the types the compiler generates for each.
            var outer = type.FullName.Split('+', '<', '>', '`').FirstOrDefault(p => p.Length > 0) ?? "";
            return outer.StartsWith("Program", StringComparison.Ordinal) ? Layers.Length - 1 : Array.IndexOf(Layers, "Interop");
        }
        var index = Array.IndexOf(Layers, ns);
        return index >= 0 ? index : null;
    }

    [Test]
    public void Every_namespace_of_the_hook_is_a_known_layer()
    {
        var unknown = Architecture.Types
            .Where(t => t.Namespace.FullName.StartsWith("OciFtraceHook", StringComparison.Ordinal) && LayerOf(t) is null)
            .Select(t => t.FullName).Distinct().Order().ToList();
        Assert.That(unknown, Is.Empty, "a new folder must take its place in the layer list (and in docs/layout.md)");
    }

    [Test]
    public void Dependencies_point_down_the_layers()
    {
        var ours = Architecture.Types.Count(t => LayerOf(t) is not null);
        Assert.That(ours, Is.GreaterThan(50), "the hook's types were loaded");
        var upward = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in Architecture.Types)
        {
            if (LayerOf(type) is not { } from) continue;
            foreach (var dependency in type.Dependencies)
            {
                if (LayerOf(dependency.Target) is { } to && to > from)
                    upward.Add($"{type.FullName} ({Layers[from]}) -> {dependency.Target.FullName} ({Layers[to]})");
            }
        }
        Assert.That(upward, Is.Empty, "dependencies that point up the layers:\n" + string.Join('\n', upward));
    }
}
