namespace OciFtraceHook.Oci;

/// <summary>Whose a container is, for the per-tenant caps: the value of the first annotation of
/// hook.conf's <c>tenant-annotations</c> the container has, else the container id itself. None is
/// named by default: a container's owner writes its annotations (podman's and runc's --annotation,
/// and a pod's own annotations pass through containerd's CRI), so one naming another tenant's
/// namespace would spend that tenant's share and get it refused. An administrator names the key
/// the node's engine sets itself over the pod's (CRI-O: io.kubernetes.pod.namespace; containerd's
/// CRI: io.kubernetes.cri.sandbox-namespace).</summary>
internal static class Tenant
{
    /// <summary>The Kubernetes pod namespace as CRI-O, then containerd's CRI, set it.</summary>
    public static readonly IReadOnlyList<string> KubernetesNamespaceAnnotations = ["io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace"];

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
