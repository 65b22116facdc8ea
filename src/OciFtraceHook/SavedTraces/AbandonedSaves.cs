using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.SavedTraces;

/// <summary>Temporary files of saves that never finished (the saving hook or gc was killed while it
/// wrote): `.BASE.PID.partial` in a save directory, PID being the writer's. They are removed once
/// their writer has ended; a live writer's file, and any name that is not exactly such a temporary
/// of a saved trace, are left alone. Directories are opened by handle as for saving, and files
/// removed with unlinkat in them, so a swapped path cannot turn this into root deleting elsewhere.</summary>
internal static partial class AbandonedSaves
{
    /// <summary>`.` + a saved trace's base name (our instance prefix, ..., the UTC stamp) + `.PID` + the suffix.</summary>
    [GeneratedRegex(@"\A\." + InstanceName.Prefix + @"[A-Za-z0-9_+.\-]+-[0-9]{8}T[0-9]{6}Z\.(?<pid>[1-9][0-9]{0,9})\.partial\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex TemporaryName();

    /// <summary>The writer's PID when <paramref name="name"/> is exactly a save's temporary name.</summary>
    public static int? WriterOf(string name)
    {
        var match = TemporaryName().Match(name);
        return match.Success && int.TryParse(match.Groups["pid"].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid > 0
            ? pid
            : null;
    }

    /// <param name="isAlive">Whether a process with that PID exists (/proc by default).</param>
    /// <returns>The files removed.</returns>
    public static IReadOnlyList<string> Remove(IEnumerable<string> dirs, Func<int, bool>? isAlive = null)
    {
        isAlive ??= pid => Directory.Exists($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}");
        var removed = new List<string>();
        foreach (var dir in dirs.Distinct())
        {
            SafeFileHandle handle;
            try
            {
                handle = SaveDirectory.Open(dir, create: false);
            }
            catch (Exception e) when (e is HookException or IOException)
            {
                continue; // missing, or not safe to act in
            }
            using (handle)
            {
                foreach (var info in new DirectoryInfo(Interop.ThreadSelfFdPath(handle)).EnumerateFiles("." + InstanceName.Prefix + "*" + AtomicSave.TemporarySuffix))
                {
                    if (info.LinkTarget is not null || WriterOf(info.Name) is not { } writer || isAlive(writer)) continue;
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
