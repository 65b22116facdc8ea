using System.Text.RegularExpressions;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>What the package's Kubernetes snippets and the containerd pod example name, read from
/// the files themselves, so the tests run what the examples say.</summary>
internal static partial class CriExamples
{
    public static string Engines => Path.Combine(HookBinary.RepositoryRoot, "hooks", "engines");
    public static string PodExample => Path.Combine(HookBinary.RepositoryRoot, "examples", "kubernetes", "containerd-pod.yaml");

    public static string RuntimeClassHandler() => One(File.ReadAllText(Path.Combine(Engines, "runtimeclass.yaml")), HandlerLine());

    public static string RuntimeClassName() => One(File.ReadAllText(Path.Combine(Engines, "runtimeclass.yaml")), NameLine());

    public static string PodRuntimeClassName() => One(File.ReadAllText(PodExample), RuntimeClassNameLine());

    /// <summary>The pod example's annotations ("key: \"value\"" lines under annotations).</summary>
    public static Dictionary<string, string> PodAnnotations() =>
        AnnotationLine().Matches(File.ReadAllText(PodExample)).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    /// <summary>The handlers containerd-config.toml defines.</summary>
    public static string[] ContainerdHandlers() =>
        ContainerdRuntime().Matches(File.ReadAllText(Path.Combine(Engines, "containerd-config.toml"))).Select(m => m.Groups[1].Value).Distinct().ToArray();

    private static string One(string text, Regex pattern)
    {
        var matches = pattern.Matches(text);
        if (matches.Count != 1) throw new InvalidDataException($"expected one match of {pattern}, found {matches.Count}");
        return matches[0].Groups[1].Value;
    }

    [GeneratedRegex(@"^handler:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex HandlerLine();

    [GeneratedRegex(@"^  name:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex NameLine();

    [GeneratedRegex(@"^  runtimeClassName:\s*(\S+)\s*$", RegexOptions.Multiline)]
    private static partial Regex RuntimeClassNameLine();

    [GeneratedRegex(@"^    (org\.ociftracehook\.[a-z-]+):\s*""([^""]*)""\s*$", RegexOptions.Multiline)]
    private static partial Regex AnnotationLine();

    [GeneratedRegex(@"^\[plugins\.""io\.containerd\.grpc\.v1\.cri""\.containerd\.runtimes\.([A-Za-z0-9_-]+)(?:\.options)?\]", RegexOptions.Multiline)]
    private static partial Regex ContainerdRuntime();
}
