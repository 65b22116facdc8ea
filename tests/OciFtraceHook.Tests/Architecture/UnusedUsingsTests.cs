using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.ArchitectureTests;

/// <summary>An unused using fails the build: Directory.Build.props and .editorconfig make IDE0005 an
/// error. The negative control builds a one-file project under the repository's own settings.</summary>
[NonParallelizable]
public class UnusedUsingsTests
{
    [Test]
    public void A_planted_unused_using_fails_the_build_and_the_same_file_without_it_builds()
    {
        var dir = Path.Combine(Path.GetTempPath(), "oci-ftrace-hook-usings-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var file in new[] { "Directory.Build.props", ".editorconfig", "global.json" })
                File.Copy(Path.Combine(HookBinary.RepositoryRoot, file), Path.Combine(dir, file));
            File.WriteAllText(Path.Combine(dir, "Planted.csproj"),
                "<Project Sdk=\"Microsoft.NET.Sdk\"><PropertyGroup><OutputType>Library</OutputType></PropertyGroup></Project>");
            var source = Path.Combine(dir, "Planted.cs");
            File.WriteAllText(source, "using System.Text;\n\nnamespace Planted;\n\ninternal static class Answer\n{\n    public static int Value() => 42;\n}\n");
            var planted = ProcessRunner.Run("dotnet", ["build", dir, "-nologo", "-v", "q"], timeout: TimeSpan.FromMinutes(3));
            File.WriteAllText(source, File.ReadAllText(source).Replace("using System.Text;\n\n", "", StringComparison.Ordinal));
            var clean = ProcessRunner.Run("dotnet", ["build", dir, "-nologo", "-v", "q"], timeout: TimeSpan.FromMinutes(3));
            Assert.Multiple(() =>
            {
                Assert.That(planted.ExitCode, Is.Not.Zero, planted.ToString());
                Assert.That(planted.Stdout, Does.Contain("IDE0005"));
                Assert.That(clean.ExitCode, Is.Zero, clean.ToString());
            });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
