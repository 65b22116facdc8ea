using System.Text;

namespace OciFtraceHook.Oci;

/// <summary>A container's name, where the engine puts one in the annotations (CRI-O and other
/// Kubernetes runtimes do; podman 4 does not): saved traces carry it so `show NAME` finds them.</summary>
internal static class ContainerName
{
    public static string? FromAnnotations(IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is null) return null;
        annotations.TryGetValue("io.kubernetes.pod.name", out var pod);
        if (annotations.TryGetValue("io.kubernetes.container.name", out var container) && container.Length > 0)
            return Clean(pod is { Length: > 0 } ? $"{pod}/{container}" : container);
        return annotations.TryGetValue("io.kubernetes.cri-o.ContainerName", out var crio) && crio.Length > 0 ? Clean(crio) : null;
    }

    /// <summary>For a file name: [A-Za-z0-9_.-] only, bounded.</summary>
    public static string ForFileName(string name)
    {
        var sb = new StringBuilder(40);
        foreach (var c in name)
        {
            if (sb.Length == 40) break;
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' ? c : '_');
        }
        return sb.ToString();
    }

    /// <summary>Names come from the container's owner: printable, bounded.</summary>
    private static string? Clean(string name)
    {
        var cleaned = new string(name.Where(c => !char.IsControl(c)).Take(253).ToArray()).Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }
}
