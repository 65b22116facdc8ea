using OciFtraceHook.TraceDat;

namespace OciFtraceHook.SavedTraces;

/// <summary>Whose a saved trace is, read from the trace itself in either format: the hook's option
/// of a trace.dat, a text trace's first lines. Never from its file name, which an id can be chosen
/// to imitate.</summary>
internal static class SavedTraceOwner
{
    /// <summary>Whose a saved trace is, as it says itself: the container id, the engine's name for
    /// it and its tenant (each null when not given).</summary>
    public sealed record Owner(string? Id, string? Name, string? Tenant);

    private static readonly Owner Nobody = new(null, null, null);

    /// <summary>Whose a saved trace is (all null when it cannot be read).</summary>
    public static Owner Read(string file)
    {
        try
        {
            using var stream = File.OpenRead(file);
            return Read(stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Nobody;
        }
    }

    /// <summary>The same, from a seekable stream at its start.</summary>
    public static Owner Read(Stream stream)
    {
        try
        {
            // A trace.dat says it in the hook's option; a text trace in its first lines.
            if (TraceDatFile.ReadMetadata(stream) is { } metadata) return new Owner(metadata.ContainerId, metadata.Name, metadata.Tenant);
            stream.Position = 0;
            using var reader = new StreamReader(stream, leaveOpen: true);
            return Read(reader);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Nobody;
        }
    }

    /// <summary>A text trace's first lines: container, then name and tenant where given.</summary>
    public static Owner Read(TextReader reader)
    {
        string? id = null, name = null, tenant = null;
        for (var i = 0; i < 4 && reader.ReadLine() is { } line; i++)
        {
            if (line.StartsWith(TextSave.ContainerHeader, StringComparison.Ordinal)) id = line[TextSave.ContainerHeader.Length..];
            else if (line.StartsWith(TextSave.NameHeader, StringComparison.Ordinal)) name = line[TextSave.NameHeader.Length..];
            else if (line.StartsWith(TextSave.TenantHeader, StringComparison.Ordinal)) tenant = line[TextSave.TenantHeader.Length..];
        }
        return new Owner(id, name, tenant);
    }
}
