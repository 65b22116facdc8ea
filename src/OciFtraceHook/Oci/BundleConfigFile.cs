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

    /// <summary>Writes <paramref name="content"/> to a new file beside config.json with config.json's
    /// mode, flushes it to disk, then renames it over config.json. On any failure the temporary
    /// file is removed and config.json is as it was.</summary>
    /// <exception cref="HookException">the directory cannot be written, or config.json went away</exception>
    public static void Replace(string bundle, ReadOnlySpan<byte> content)
    {
        var path = PathIn(bundle);
        var temporary = Path.Combine(bundle, $".config.json.oci-ftrace-{Environment.ProcessId}");
        var created = false;
        try
        {
            var mode = File.GetUnixFileMode(path);
            // CreateNew: O_EXCL, so a file (or link) already at the temporary name is never followed.
            using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = mode,
                BufferSize = 0,
            }))
            {
                created = true;
                // UnixCreateMode goes through the umask; set the mode exactly.
                File.SetUnixFileMode(file.SafeFileHandle, mode);
                file.Write(content);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (created) TryDelete(temporary);
            throw new HookException($"cannot rewrite {path}: {e.Message}", e);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing more can be done; the runtime ignores the file.
        }
    }
}
