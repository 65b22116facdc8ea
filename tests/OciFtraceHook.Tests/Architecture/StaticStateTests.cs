using System.CodeDom.Compiler;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace OciFtraceHook.Tests.ArchitectureTests;

/// <summary>No settable static: behaviour is chosen by arguments and hook.conf, never by a switch
/// that a test (or any caller) flips for everyone in the process. Static state may be set once, at
/// type initialisation (readonly fields, get-only properties); the compiler's and code generators'
/// caches are theirs.</summary>
public class StaticStateTests
{
    [Test]
    public void The_hook_has_no_settable_static()
    {
        var found = SettableStatics(typeof(HookException).Assembly, "OciFtraceHook");
        Assert.That(found, Is.Empty, "settable statics:\n" + string.Join('\n', found));
    }

    /// <summary>Negative control: the planted ones are reported (Planted/).</summary>
    [Test]
    public void Planted_settable_statics_are_reported()
    {
        var found = SettableStatics(typeof(StaticStateTests).Assembly, "OciFtraceHook.Tests.ArchitectureTests.Planted");
        Assert.That(found, Is.EquivalentTo(new[]
        {
            "OciFtraceHook.Tests.ArchitectureTests.Planted.Tables.PlantedSettableStatic.Counter (field)",
            "OciFtraceHook.Tests.ArchitectureTests.Planted.Tables.PlantedSettableStatic.Force (property)",
        }));
    }

    private static List<string> SettableStatics(Assembly assembly, string root)
    {
        const BindingFlags statics = BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        var types = assembly.GetTypes()
            .Where(t => (t.Namespace == root || t.Namespace?.StartsWith(root + ".", StringComparison.Ordinal) == true
                         || (root == "OciFtraceHook" && t.Namespace is null))
                        && !IsGenerated(t))
            .ToList();
        Assert.That(types, Is.Not.Empty, $"types under {root} were found");
        var found = new List<string>();
        foreach (var type in types)
        {
            found.AddRange(type.GetFields(statics)
                .Where(f => !f.IsInitOnly && !f.IsLiteral && !f.Name.Contains('<', StringComparison.Ordinal) && !IsGenerated(f))
                .Select(f => $"{type.FullName}.{f.Name} (field)"));
            found.AddRange(type.GetProperties(statics)
                .Where(p => p.SetMethod is not null && !IsGenerated(p))
                .Select(p => $"{type.FullName}.{p.Name} (property)"));
        }
        return found;
    }

    private static bool IsGenerated(MemberInfo member)
    {
        for (var m = member; m is not null; m = m.DeclaringType)
        {
            if (m.IsDefined(typeof(CompilerGeneratedAttribute), false) || m.IsDefined(typeof(GeneratedCodeAttribute), false)) return true;
        }
        return false;
    }
}
