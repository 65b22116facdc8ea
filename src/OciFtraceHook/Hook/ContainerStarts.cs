using OciFtraceHook.HostFiles;

namespace OciFtraceHook.Hook;

/// <summary>When the last traced container started. Removing an instance holds ftrace's event lock
/// for ~0.2 s, and a container starting meanwhile waits for it: the detached removals wait until no
/// container has started for a moment, so containers started back to back do not queue behind the
/// removals of the ones before them.</summary>
internal sealed class ContainerStarts(string marker = ContainerStarts.DefaultMarker)
{
    public const string DefaultMarker = "/run/oci-ftrace-hook/last-start";

    /// <summary>A start is under way (one utimensat; the file is made the first time). Best effort:
    /// it only orders removals, so it never fails a start.</summary>
    public void Mark()
    {
        try
        {
            File.SetLastWriteTimeUtc(marker, DateTime.UtcNow);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            try
            {
                RunDirectory.Ensure(Path.GetDirectoryName(marker)!);
                File.WriteAllBytes(marker, []);
            }
            catch (Exception inner) when (inner is IOException or UnauthorizedAccessException or HookException)
            {
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Waits until no start for <paramref name="quiet"/>, but never longer than <paramref name="max"/>.</summary>
    public void WaitForQuiet(TimeSpan quiet, TimeSpan max)
    {
        var deadline = DateTime.UtcNow + max;
        while (true)
        {
            var now = DateTime.UtcNow;
            var last = File.Exists(marker) ? File.GetLastWriteTimeUtc(marker) : DateTime.MinValue;
            var wait = last + quiet - now;
            if (wait <= TimeSpan.Zero || now >= deadline) return;
            Thread.Sleep(wait < deadline - now ? wait : deadline - now);
        }
    }
}
