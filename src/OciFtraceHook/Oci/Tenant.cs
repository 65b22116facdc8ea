namespace OciFtraceHook.Oci;

/// <summary>Whose a container is, for the per-tenant caps: the value of the first annotation of
/// hook.conf's <c>tenant-annotations</c> the container has (by default the Kubernetes pod
/// namespace, which containerd's CRI and CRI-O set), else the container id itself. Name in
/// hook.conf only annotations that the engine sets and tenants cannot: a tenant that could write
/// another's key would spend that tenant's share.</summary>
internal static class Tenant
{
    /// <summary>CRI-O's, then containerd's CRI's pod namespace annotation.</summary>
    public static readonly IReadOnlyList<string> DefaultAnnotations = ["io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace"];

    /// <summary>"ANNOTATION=VALUE" (printable, bounded) for a tenant named by an annotation, else
    /// "id=ID".</summary>
    public static string Of(IReadOnlyDictionary<string, string>? annotations, string containerId, IReadOnlyList<string> keys)
    {
        foreach (var key in keys)
        {
            if (annotations is not null && annotations.TryGetValue(key, out var value) && Clean(value) is { Length: > 0 } cleaned)
                return $"{key}={cleaned}";
        }
        return "id=" + containerId;
    }

    private static string Clean(string value) => new(value.Where(c => !char.IsControl(c)).Take(253).ToArray());
}
