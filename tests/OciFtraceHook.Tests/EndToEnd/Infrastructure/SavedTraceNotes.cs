using OciFtraceHook.SavedTraces;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>What a saved trace says about itself, whichever way it was saved: the header lines of a
/// text trace, or the hook's own option in a trace.dat.</summary>
internal static class SavedTraceNotes
{
    /// <summary>"# oci-ftrace-hook: paths: ..." as a text trace writes it, or null.</summary>
    public static string? PathsLine(string savedTrace)
    {
        using (var stream = File.OpenRead(savedTrace))
        {
            if (TraceDatFile.ReadMetadata(stream) is { } metadata)
                return metadata.Paths is null ? null : TextSave.PathsHeader + metadata.Paths;
        }
        return File.ReadLines(savedTrace).Take(16).FirstOrDefault(l => l.StartsWith(TextSave.PathsHeader, StringComparison.Ordinal));
    }
}
