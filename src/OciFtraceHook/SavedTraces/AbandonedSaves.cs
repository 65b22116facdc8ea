using System.Globalization;
using OciFtraceHook.HostFiles;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.SavedTraces;

/// <summary>Temporary files of saves that never finished (the saving hook or gc was killed while it
/// wrote): `.BASE.PID.partial` in a save directory, PID being the writer's. They are removed once
/// their writer has ended; a live writer's file, and any name that is not exactly such a temporary
/// of a saved trace, are left alone. Directories are opened by handle as for saving, and files
/// removed with unlinkat in them, so a swapped path cannot turn this into root deleting elsewhere.</summary>
internal static class AbandonedSaves
{
    private const string StampExample = "-20250304T030607Z";

    /// <summary>What a pending raw save (kept under /run when the save directory could not take it)
    /// is named after its instance.</summary>
    public const string PendingSuffix = ".pending" + SavedTraceNames.TraceDat;

    /// <summary>The writer's PID when <paramref name="name"/> is exactly a save's temporary name:
    /// `.` + a saved trace's base name (our instance prefix, ..., `-yyyyMMddTHHmmssZ`) + `.PID` +
    /// the temporary suffix, PID in decimal without a leading zero.</summary>
    public static int? WriterOf(string name) =>
        Split(name) is var (baseName, pid) && baseName.Length > InstanceName.Prefix.Length + StampExample.Length
        && IsStamp(baseName.AsSpan()[^StampExample.Length..]) ? pid : null;

    /// <summary>The same for the temporary of a pending save: `.INSTANCE.pending.dat.PID.partial`.</summary>
    public static int? WriterOfPending(string name) =>
        Split(name) is var (baseName, pid) && baseName.Length > InstanceName.Prefix.Length + PendingSuffix.Length
        && baseName.EndsWith(PendingSuffix, StringComparison.Ordinal) ? pid : null;

    /// <summary>An <see cref="AtomicFile"/> temporary whose BASE is our instance prefix and more of
    /// the characters names are made of; null for anything else.</summary>
    private static (string BaseName, int Pid)? Split(string name)
    {
        if (AtomicFile.ParseTemporary(name) is not var (baseName, pid) || !baseName.StartsWith(InstanceName.Prefix, StringComparison.Ordinal))
            return null;
        foreach (var c in baseName)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '.' or '-')) return null;
        }
        return (baseName, pid);
    }

    /// <summary>`-yyyyMMddTHHmmssZ`, as TextSave.BaseName ends.</summary>
    private static bool IsStamp(ReadOnlySpan<char> text)
    {
        for (var i = 0; i < StampExample.Length; i++)
        {
            var expected = StampExample[i];
            if (char.IsAsciiDigit(expected) ? !char.IsAsciiDigit(text[i]) : text[i] != expected) return false;
        }
        return true;
    }

    /// <summary>In the save directories: temporaries of saved traces.</summary>
    /// <param name="isAlive">Whether a process with that PID exists (/proc by default).</param>
    /// <returns>The files removed.</returns>
    public static IReadOnlyList<string> Remove(IEnumerable<string> dirs, Func<int, bool>? isAlive = null) =>
        Remove(dirs, WriterOf, isAlive);

    /// <summary>In the records' directory under /run (memory): temporaries of pending saves, which
    /// can be as large as a ring buffer.</summary>
    public static IReadOnlyList<string> RemovePending(string recordsDir, Func<int, bool>? isAlive = null) =>
        Remove([recordsDir], WriterOfPending, isAlive);

    private static IReadOnlyList<string> Remove(IEnumerable<string> dirs, Func<string, int?> writerOf, Func<int, bool>? isAlive)
    {
        isAlive ??= pid => Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");
        var removed = new List<string>();
        foreach (var dir in dirs.Distinct())
        {
            if (SaveDirectory.TryOpenExisting(dir) is not { } handle) continue;
            using (handle)
            {
                foreach (var info in new DirectoryInfo(Interop.ThreadSelfFdPath(handle)).EnumerateFiles("." + InstanceName.Prefix + "*" + AtomicFile.TemporarySuffix))
                {
                    if (info.LinkTarget is not null || writerOf(info.Name) is not { } writer || isAlive(writer)) continue;
                    var path = Path.Combine(dir, info.Name);
                    try
                    {
                        if (Interop.UnlinkAt(handle, info.Name, path)) removed.Add(path);
                    }
                    catch (SyscallException)
                    {
                        // Not ours to remove after all (a read-only mount...): the next gc tries again.
                    }
                }
            }
        }
        return removed;
    }
}
