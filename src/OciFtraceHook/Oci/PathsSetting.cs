namespace OciFtraceHook.Oci;

/// <summary>The annotation org.ociftracehook.paths: whether the hook records the path arguments of
/// file syscalls as strings (the names of files the container opens, runs, stats, creates or
/// removes). It reveals no more than the container's own calls, to whoever may read its trace.</summary>
internal enum PathsSetting
{
    /// <summary>Where the kernel allows it; else traced without paths, with one line saying why.</summary>
    Auto,
    /// <summary>Asked for explicitly: a container whose paths cannot be recorded is refused (or,
    /// with on-failure=warn, starts untraced).</summary>
    On,
    Off,
}

internal static class PathsSettings
{
    public static PathsSetting? Parse(string value) => value switch
    {
        "auto" => PathsSetting.Auto,
        "on" => PathsSetting.On,
        "off" => PathsSetting.Off,
        _ => null,
    };
}
