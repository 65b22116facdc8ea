using System.Text;
using Microsoft.Win32.SafeHandles;
using static Interop.OpenFlags;

namespace OciFtraceHook.Container;

/// <summary>Reads what the kernel says about this thread's handles and mounts, relative to the host's
/// /proc that <see cref="MountNamespace"/> makes the thread's working directory (inside a container's
/// namespace, "/proc" may be the container's own procfs, which does not know the hook's threads).</summary>
internal static class ProcFiles
{
    /// <summary>The id of the mount a handle is on ("mnt_id:" in fdinfo, since Linux 3.15).</summary>
    public static long MountIdOf(SafeFileHandle handle)
    {
        var path = Interop.ThreadSelfFdInfoPath(handle, procRoot: ".");
        foreach (var line in ReadLines(path))
        {
            if (line.StartsWith("mnt_id:", StringComparison.Ordinal) && long.TryParse(line.AsSpan(7).Trim(), out var id)) return id;
        }
        throw new HookException($"no mnt_id in {path}");
    }

    /// <summary>The optional fields ("shared:N master:M", or empty) of a mount in this thread's
    /// namespace: its propagation.</summary>
    public static string PropagationOf(long mountId)
    {
        var prefix = mountId.ToString(System.Globalization.CultureInfo.InvariantCulture) + " ";
        foreach (var line in ReadLines(MountNamespace.ProcPath("thread-self/mountinfo")))
        {
            // "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw"
            if (!line.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            return separator > 6 ? string.Join(' ', fields[6..separator]) : "";
        }
        throw new HookException($"mount {mountId} is not in this namespace's mountinfo");
    }

    private static IEnumerable<string> ReadLines(string relativePath)
    {
        using var stream = new FileStream(Interop.Open(relativePath, O_RDONLY | O_CLOEXEC, "open"), FileAccess.Read, bufferSize: 0);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
