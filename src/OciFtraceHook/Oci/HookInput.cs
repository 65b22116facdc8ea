namespace OciFtraceHook.Oci;

/// <summary>Reads what a runtime gives a hook: the state on stdin and the bundle's config.json.
/// Both are bounded and read without reflection (see JsonFields); any fault is one clear error.</summary>
internal static class HookInput
{
    private const int MaxStateBytes = 1 << 20;
    internal const int MaxConfigBytes = 16 << 20;

    public static ContainerState ReadState(Stream input)
    {
        var bytes = ReadBounded(input, MaxStateBytes, "the OCI state on stdin");
        if (bytes.Length == 0 || bytes.All(b => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t'))
            throw new HookException("no OCI state on stdin: run me as an OCI hook (the runtime writes the state JSON to stdin)");
        return JsonFields.Read(bytes, "the OCI state on stdin", ContainerState.FromJson);
    }

    public static ContainerConfig ReadConfig(string? bundle)
    {
        if (string.IsNullOrEmpty(bundle)) throw new HookException("the OCI state has no bundle");
        if (!Path.IsPathRooted(bundle)) throw new HookException($"bundle '{bundle}' in the OCI state is not an absolute path");
        var path = Path.Combine(bundle, "config.json");
        byte[] bytes;
        try
        {
            using var file = File.OpenRead(path);
            bytes = ReadBounded(file, MaxConfigBytes, path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new HookException($"cannot read {path}: {e.Message}", e);
        }
        return JsonFields.Read(bytes, path, ContainerConfig.FromJson);
    }

    /// <summary>The rootfs from config.json root.path, absolute or relative to the bundle.</summary>
    public static string RootfsOf(string bundle, ContainerConfig config)
    {
        var root = config.Root?.Path;
        if (string.IsNullOrEmpty(root)) throw new HookException("config.json has no root.path");
        if (root.Contains('\0')) throw new HookException("config.json root.path contains a NUL character");
        return Path.GetFullPath(root, bundle);
    }

    internal static byte[] ReadBounded(Stream input, int limit, string what)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = input.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > limit) throw new HookException($"{what} is larger than {limit / 1024} KiB");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
