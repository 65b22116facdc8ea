using System.Reflection;
using System.Text.RegularExpressions;
using ArchUnitNET.Domain.Dependencies;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.ArchitectureTests;

/// <summary>Interop/ is the only native layer: no other code calls libc (or Mono.Posix) or a
/// wrapper that hands back its raw result, handles raw pointers or file descriptors, or reads errno
/// itself. Two readings, as each sees what the other cannot: the compiled code (calls, however they
/// are written) and the source (unsafe code, attributes, Mono.Posix).</summary>
public partial class NativeCallsTests
{
    [GeneratedRegex(@"\bunsafe\b|\bMarshal\.|\[DllImport|\[LibraryImport|DangerousGetHandle|new SafeFileHandle\(|SafeFileHandle\??\s+\w+\s*=\s*new\(|\bfixed\s*\(|GetLastPInvokeError|GetLastWin32Error|Mono\.Unix|Interop\.Libc\b")]
    private static partial Regex NativeCode();

    [Test]
    public void No_source_outside_Interop_holds_native_code()
    {
        var src = Path.Combine(HookBinary.RepositoryRoot, "src", "OciFtraceHook");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !Path.GetRelativePath(src, f).StartsWith("Interop" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .ToList();
        Assert.That(files, Has.Count.GreaterThan(50), "the sources were found");
        var found = files.SelectMany(f => NativeLines(Path.GetRelativePath(src, f), File.ReadAllLines(f))).ToList();
        Assert.That(found, Is.Empty, "native code outside Interop/:\n" + string.Join('\n', found));
    }

    [Test]
    public void No_code_outside_Interop_calls_libc_or_makes_a_raw_descriptor()
    {
        var found = Violations(FolderGraph.OfHook(), typeof(HookException).Assembly);
        Assert.That(found, Is.Empty, "native calls outside Interop/:\n" + string.Join('\n', found));
    }

    /// <summary>Negative controls: both readings report the planted violations (Planted/).</summary>
    [Test]
    public void Planted_native_code_is_reported_by_both_readings()
    {
        var planted = Violations(FolderGraph.OfPlanted(), typeof(NativeCallsTests).Assembly);
        var source = NativeLines("planted.cs",
        [
            "SafeFileHandle handle = new(fd, ownsHandle: false);",
            "var error = Interop.Libc.Mount(a, b, c, d, e);",
            "// a comment that names Interop.Libc is fine",
        ]).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(planted, Has.Some.Contains("PlantedLibcCall -> ").And.Contains("PlantedLibc"), "a libc call");
            Assert.That(planted, Has.Some.Contains("PlantedRawDescriptor -> ").And.Contains("SafeFileHandle"), "a raw descriptor");
            Assert.That(source, Has.Count.EqualTo(2), string.Join('\n', source));
        });
    }

    private static IEnumerable<string> NativeLines(string file, IReadOnlyList<string> lines)
    {
        for (var i = 0; i < lines.Count; i++)
        {
            var code = lines[i].Split("//")[0];
            if (NativeCode().IsMatch(code)) yield return $"{file}:{i + 1}: {lines[i].Trim()}";
        }
    }

    /// <summary>Uses, outside the Interop folder, of a type that declares P/Invoke methods, and
    /// calls that make or unwrap a raw descriptor.</summary>
    private static List<string> Violations(FolderGraph graph, Assembly assembly)
    {
        var pinvoke = assembly.GetTypes()
            .Where(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Any(m => m.Attributes.HasFlag(MethodAttributes.PinvokeImpl)))
            .Select(t => t.FullName!).ToHashSet();
        Assert.That(pinvoke, Is.Not.Empty, $"P/Invoke declarations were found in {assembly.GetName().Name}");
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var type in graph.Types.Where(t => graph.FolderOf(t) != "Interop"))
        {
            foreach (var dependency in type.Dependencies)
            {
                if (pinvoke.Contains(dependency.Target.FullName))
                    found.Add($"{type.FullName} -> {dependency.Target.FullName}");
                if (dependency is MethodCallDependency call && IsRawDescriptor(call.TargetMember.FullName))
                    found.Add($"{type.FullName} -> {call.TargetMember.FullName}");
            }
        }
        return found.ToList();
    }

    private static bool IsRawDescriptor(string member) =>
        (member.Contains("SafeFileHandle::.ctor(System.IntPtr", StringComparison.Ordinal)
         || member.Contains("SafeHandle::.ctor(System.IntPtr", StringComparison.Ordinal))
        || member.Contains("::DangerousGetHandle(", StringComparison.Ordinal)
        || member.Contains("::SetHandle(", StringComparison.Ordinal);
}
