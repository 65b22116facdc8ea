using System.Text.RegularExpressions;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.ArchitectureTests;

/// <summary>Interop/ is the only native layer: no other source file calls libc or Mono.Posix, handles raw
/// pointers or file descriptors, or reads errno itself.</summary>
public partial class NativeCallsTests
{
    [GeneratedRegex(@"\bunsafe\b|\bMarshal\.|\[DllImport|\[LibraryImport|DangerousGetHandle|new SafeFileHandle\(|\bfixed\s*\(|GetLastPInvokeError|GetLastWin32Error|Mono\.Unix")]
    private static partial Regex NativeCode();

    [Test]
    public void Native_code_lives_only_in_Interop()
    {
        var src = Path.Combine(HookBinary.RepositoryRoot, "src", "OciFtraceHook");
        var files = Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.That(files, Has.Count.GreaterThan(50), "the sources were found");
        var found = new List<string>();
        foreach (var file in files.Where(f => !Path.GetRelativePath(src, f).StartsWith("Interop" + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].Split("//")[0];
                if (NativeCode().IsMatch(code)) found.Add($"{Path.GetRelativePath(src, file)}:{i + 1}: {lines[i].Trim()}");
            }
        }
        Assert.That(found, Is.Empty, "native code outside Interop/:\n" + string.Join('\n', found));
    }
}
