namespace OciFtraceHook.Tracing;

/// <summary>The tracefs mount the hook works in, found once from mountinfo and passed around.</summary>
internal sealed class TraceFs(string root)
{
    public const string StandardPath = "/sys/kernel/tracing";
    public const string DebugFsPath = "/sys/kernel/debug/tracing";

    public string Root { get; } = root;
    public string InstancesDir => Path.Combine(Root, "instances");

    /// <summary>Tracefs where this process's mount table has it, or null when it is not mounted.</summary>
    public static TraceFs? OnHost() =>
        FindMountPoint(File.ReadLines("/proc/self/mountinfo")) is { } mountPoint ? new TraceFs(mountPoint) : null;

    /// <summary>Finds tracefs in <paramref name="mountInfo"/> (preferring the standard path,
    /// then the debugfs one, then any), or null.</summary>
    public static string? FindMountPoint(IEnumerable<string> mountInfo)
    {
        var points = new List<string>();
        foreach (var line in mountInfo)
        {
            // "36 35 0:10 / /sys/kernel/tracing rw,relatime shared:7 - tracefs tracefs rw"
            var sep = line.IndexOf(" - ", StringComparison.Ordinal);
            if (sep < 0) continue;
            var after = line[(sep + 3)..].Split(' ');
            if (after.Length == 0 || after[0] != "tracefs") continue;
            var fields = line[..sep].Split(' ');
            if (fields.Length >= 5) points.Add(UnescapeMountPath(fields[4]));
        }
        if (points.Contains(StandardPath)) return StandardPath;
        if (points.Contains(DebugFsPath)) return DebugFsPath;
        return points.FirstOrDefault();
    }

    /// <summary>Finds tracefs in this process's mount table, mounting it at the standard
    /// path when it is not mounted anywhere.</summary>
    public static TraceFs FindOrMount(Action<string>? mounted = null)
    {
        if (OnHost() is { } found) return found;
        if (!File.ReadAllText("/proc/filesystems").Contains("\ttracefs\n", StringComparison.Ordinal))
            throw new HookException("this kernel has no tracefs (CONFIG_FTRACE is off): nothing to trace with");
        if (!Directory.Exists(StandardPath))
            throw new HookException($"tracefs is not mounted and {StandardPath} does not exist to mount it on");
        Interop.Mount("nodev", StandardPath, "tracefs", MountFlags.NoSuid | MountFlags.NoDev | MountFlags.NoExec, null, StandardPath);
        mounted?.Invoke(StandardPath);
        return new TraceFs(StandardPath);
    }

    public TraceInstance Instance(string name) => new(this, name);

    private static string UnescapeMountPath(string field) =>
        field.Replace("\\040", " ").Replace("\\011", "\t").Replace("\\012", "\n").Replace("\\134", "\\");
}
