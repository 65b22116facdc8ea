namespace OciFtraceHook.SavedTraces;

/// <summary>Keeps the saved traces in the host's save directory within the administrator's disk
/// budget: the oldest go first, never the one just saved.</summary>
internal static class SavedTraceBudget
{
    /// <returns>The files removed.</returns>
    public static IReadOnlyList<string> Enforce(string dir, long maxBytes, string keep)
    {
        if (maxBytes <= 0 || !Directory.Exists(dir)) return [];
        var files = new DirectoryInfo(dir).EnumerateFiles("*" + TraceArchive.Extension)
            .Where(f => f.LinkTarget is null)
            .OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        var total = files.Sum(f => f.Length);
        var removed = new List<string>();
        foreach (var file in files)
        {
            if (total <= maxBytes) break;
            if (file.FullName == Path.GetFullPath(keep)) continue;
            total -= file.Length;
            file.Delete();
            removed.Add(file.FullName);
        }
        return removed;
    }
}
