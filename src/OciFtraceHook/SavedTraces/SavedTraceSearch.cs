using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.SavedTraces;

/// <summary>Finds containers and their saved traces by full id, unique id prefix or the engine's
/// name, among the records of running containers and the traces in the save directories it is
/// given (the host's, the allowed ones, and any the user names).</summary>
internal sealed class SavedTraceSearch(IReadOnlyList<string> saveDirs, InstanceRecords records)
{
    public IReadOnlyList<string> SaveDirs { get; } = saveDirs.Distinct().ToArray();

    /// <summary>A full id as it is; otherwise the one container whose id starts with the query or
    /// whose name (where the engine gave one) is the query, among running and saved ones. Several
    /// (one pod name in two namespaces, say) are an error listing them: never one picked silently.</summary>
    public string ResolveContainerId(string query)
    {
        if (IsPlainId(query) && (records.OfContainer(query).Any() || FindNewest(query) is not null))
            return query;
        var matches = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (_, record) in records.All())
        {
            if (Matches(query, record.ContainerId, record.Name)) matches.Add(record.ContainerId);
        }
        foreach (var file in Files(null))
        {
            var (id, containerName, _) = SavedTraceOwner.Read(file);
            if (id is not null && Matches(query, id, containerName)) matches.Add(id);
        }
        return matches.Count switch
        {
            1 => matches.Min!,
            0 when IsPlainId(query) => query, // reported as "no live instance and no saved trace" by the caller
            0 => throw new HookException($"no container has the id or name '{query}'"),
            _ => throw new HookException($"'{query}' matches several containers: {string.Join(", ", matches.Take(10))}"),
        };
    }

    /// <summary>The newest saved trace of a container id: the one its last poststop recorded while
    /// the record is there, else the newest file named after the id whose header names the id
    /// (names end in a sortable UTC time; the header check keeps another id with a similar name out).</summary>
    public string? FindNewest(string id)
    {
        var recorded = records.OfContainer(id).Select(r => r.Record.SavedTo).FirstOrDefault(p => p is not null && File.Exists(p));
        if (recorded is not null) return recorded;
        return Files(InstanceName.For(id) + "-*")
            .Where(file => SavedTraceOwner.Read(file).Id == id)
            .OrderBy(File.GetLastWriteTimeUtc).ThenBy(Path.GetFileName, StringComparer.Ordinal)
            .LastOrDefault();
    }

    /// <summary>The saved traces whose names match <paramref name="stem"/> (any of ours by default), in every save directory.</summary>
    private IEnumerable<string> Files(string? stem) =>
        SaveDirs.Where(Directory.Exists).SelectMany(dir => SavedTraceNames.In(new DirectoryInfo(dir), stem)).Select(f => f.FullName);

    private static bool IsPlainId(string text)
    {
        try
        {
            InstanceName.ValidateId(text);
            return true;
        }
        catch (HookException)
        {
            return false;
        }
    }

    private static bool Matches(string query, string id, string? name) =>
        id.StartsWith(query, StringComparison.Ordinal) || Oci.ContainerName.Names(query, name);
}
