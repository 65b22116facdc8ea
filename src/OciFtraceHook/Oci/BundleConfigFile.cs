using OciFtraceHook.HostFiles;
namespace OciFtraceHook.Oci;

/// <summary>A bundle's config.json as bytes: read bounded, and replaced atomically, so the runtime
/// reads either the old file or the whole new one, never a part.</summary>
internal static class BundleConfigFile
{
    public static string PathIn(string bundle) => Path.Combine(bundle, "config.json");

    /// <summary>Reads config.json, at most <see cref="HookInput.MaxConfigBytes"/>.</summary>
    /// <exception cref="HookException">missing, unreadable or too large</exception>
    public static byte[] Read(string bundle)
    {
        var path = PathIn(bundle);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            return HookInput.ReadBounded(file, HookInput.MaxConfigBytes, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HookException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>Replaces config.json whole (<see cref="AtomicFile"/>, on disk before the rename), with
    /// config.json's mode. On any failure config.json is as it was.</summary>
    /// <exception cref="HookException">the directory cannot be written, or config.json went away</exception>
    public static void Replace(string bundle, ReadOnlySpan<byte> content)
    {
        var path = PathIn(bundle);
        var bytes = content.ToArray();
        try
        {
            AtomicFile.Replace(path, output => output.Write(bytes), durable: true, File.GetUnixFileMode(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HookException($"cannot rewrite {path}: {e.Message}", e);
        }
    }
}
