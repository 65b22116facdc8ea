namespace OciFtraceHook.Oci;

/// <summary>A pod's sandbox (pause) container. containerd's CRI and CRI-O run it through the pod's
/// runtime handler with the pod's annotations, opt-in included, yet it runs nothing of the pod's
/// own: tracing it would cost an instance per pod and leave an unnamed trace of a pause program.
/// Both runtimes mark it in its annotations.</summary>
internal static class PodSandbox
{
    public static readonly (string Key, string Value)[] Markers =
    [
        ("io.kubernetes.cri.container-type", "sandbox"), // containerd's CRI
        ("io.kubernetes.cri-o.ContainerType", "sandbox"), // CRI-O
    ];

    public static bool Is(Func<string, string?> annotation) => Markers.Any(m => annotation(m.Key) == m.Value);

    public static bool Is(IReadOnlyDictionary<string, string>? annotations) =>
        annotations is not null && Is(key => annotations.TryGetValue(key, out var value) ? value : null);
}
