using System.Text;

namespace OciFtraceHook.Oci;

/// <summary>A container's name, where the engine puts one in the annotations (CRI-O's and
/// containerd's CRI do; podman 4 does not): "NAMESPACE/POD/CONTAINER" where the pod's namespace is
/// known, so two namespaces' pods of one name stay apart. Saved traces carry it so `show NAME` finds
/// them (by the whole name, or by "POD/CONTAINER" when that names one container only).</summary>
internal static class ContainerName
{
    public static string? FromAnnotations(IReadOnlyDictionary<string, string>? annotations)
    {
        if (annotations is null) return null;
        var ns = First(annotations, "io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace");
        var pod = First(annotations, "io.kubernetes.pod.name", "io.kubernetes.cri.sandbox-name");
        var container = First(annotations, "io.kubernetes.container.name", "io.kubernetes.cri.container-name");
        if (container is not null)
        {
            var name = pod is null ? container : $"{pod}/{container}";
            return Clean(ns is not null && pod is not null ? $"{ns}/{name}" : name);
        }
        return annotations.TryGetValue("io.kubernetes.cri-o.ContainerName", out var crio) && crio.Length > 0 ? Clean(crio) : null;
    }

    private static string? First(IReadOnlyDictionary<string, string> annotations, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (annotations.TryGetValue(key, out var value) && value.Length > 0) return value;
        }
        return null;
    }

    /// <summary>Whether <paramref name="query"/> names the container called <paramref name="name"/>:
    /// the whole name, or (a query holding '/') its end after a '/' ("pod/container" of
    /// "namespace/pod/container").</summary>
    public static bool Names(string query, string? name) =>
        name is not null && (name == query || (query.Contains('/') && name.EndsWith("/" + query, StringComparison.Ordinal)));

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
