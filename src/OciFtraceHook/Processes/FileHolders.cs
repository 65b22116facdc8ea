namespace OciFtraceHook.Processes;

/// <summary>Which processes hold a file of a directory open, from /proc/PID/fd: a link whose target
/// is under the directory, or (a file opened through a bind mount elsewhere, such as inside a
/// container, whose path the host cannot spell) a link to one of <c>files</c> by device and inode.
/// Processes that end or hide their descriptors meanwhile are skipped.</summary>
internal static class FileHolders
{
    public sealed record Holder(int Pid, string Command);

    public static IReadOnlyList<Holder> Of(string dir, IReadOnlyCollection<string> files, string procRoot = "/proc")
    {
        var prefix = dir.TrimEnd('/') + "/";
        var names = files.Select(f => "/" + Path.GetFileName(f)).ToList();
        var identities = files.Select(Interop.FileIdentity).OfType<(ulong, ulong)>().ToHashSet();
        var holders = new List<Holder>();
        foreach (var pidDir in Directory.EnumerateDirectories(procRoot))
        {
            if (!int.TryParse(Path.GetFileName(pidDir), out var pid)) continue;
            try
            {
                if (Directory.EnumerateFileSystemEntries(Path.Combine(pidDir, "fd")).Any(fd => Holds(fd, prefix, names, identities)))
                    holders.Add(new Holder(pid, Command(pidDir)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Ended, or not ours to look at.
            }
        }
        return holders;
    }

    private static bool Holds(string fd, string prefix, List<string> names, HashSet<(ulong, ulong)> identities)
    {
        var target = new FileInfo(fd).LinkTarget;
        if (target is null || !target.StartsWith('/')) return false; // sockets, pipes, anonymous files
        if (target.StartsWith(prefix, StringComparison.Ordinal)) return true;
        return names.Any(n => target.EndsWith(n, StringComparison.Ordinal)) && Interop.FileIdentity(fd) is { } id && identities.Contains(id);
    }

    private static string Command(string pidDir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(pidDir, "comm")).TrimEnd('\n');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }
}
