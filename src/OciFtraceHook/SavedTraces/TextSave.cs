using System.Globalization;
using System.Text;
using Microsoft.Win32.SafeHandles;
using OciFtraceHook.HostFiles;
using OciFtraceHook.Oci;
using OciFtraceHook.Tables;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.SavedTraces;

/// <summary>The text save, for a tracefs without raw pages: a few '#' header lines that say which
/// container it was, then the instance's `trace` as ftrace printed it, and the readers of those
/// lines.</summary>
internal static class TextSave
{
    /// <summary>Copies the instance's trace into a new file in <paramref name="saveDir"/> (created if
    /// missing). The file is created exclusively and never follows a symlink, so a planted link
    /// cannot redirect the root-owned write; a name already taken gets a numbered suffix.</summary>
    public static string Save(TraceInstance instance, string containerId, string saveDir, DateTimeOffset now) =>
        Save(instance, containerId, saveDir, now, followed: null, out _);

    /// <summary>The header line that names the container's id.</summary>
    public const string ContainerHeader = "# oci-ftrace-hook: container ";
    public const string NameHeader = "# oci-ftrace-hook: name ";
    public const string TenantHeader = "# oci-ftrace-hook: tenant ";
    public const string ArchHeader = "# oci-ftrace-hook: arch ";
    public const string LostHeader = "# oci-ftrace-hook: lost events: ";
    /// <summary>The release of the kernel that recorded the trace: it decides how arguments print.</summary>
    public const string KernelHeader = "# oci-ftrace-hook: kernel ";
    /// <summary>How paths of file syscalls were recorded: "eprobes", "kernel", "off" or "none: WHY".</summary>
    public const string PathsHeader = "# oci-ftrace-hook: paths: ";

    /// <summary>Why a trace holds no paths, from its "paths: none: WHY" or "paths: off" header
    /// line; null for any other line.</summary>
    public static string? ReadPathsMissing(ReadOnlySpan<char> line)
    {
        if (!line.StartsWith(PathsHeader)) return null;
        var value = line[PathsHeader.Length..].Trim();
        if (value.SequenceEqual("off")) return "recording them was turned off (annotation org.ociftracehook.paths=off)";
        return value.StartsWith("none: ") ? value[6..].ToString() : null;
    }

    /// <summary>The kernel release a "kernel" header line names, or null for any other line.</summary>
    public static string? ReadKernel(ReadOnlySpan<char> line) =>
        line.StartsWith(KernelHeader) ? line[KernelHeader.Length..].Trim().ToString() : null;

    /// <summary>The architecture an "arch" header line names, or null for any other line.</summary>
    public static TraceArch? ReadArch(ReadOnlySpan<char> line) =>
        line.StartsWith(ArchHeader) ? TraceArchNames.Parse(line[ArchHeader.Length..].Trim().ToString()) : null;

    /// <summary>The count a "lost events" header line gives, or null for any other line.</summary>
    public static long? ReadLost(ReadOnlySpan<char> line)
    {
        if (!line.StartsWith(LostHeader)) return null;
        var digits = line[LostHeader.Length..];
        var end = 0;
        while (end < digits.Length && char.IsAsciiDigit(digits[end])) end++;
        return long.TryParse(digits[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var lost) ? lost : 0;
    }

    /// <param name="followed">Events `show --follow` took out of the ring buffer, put back in place
    /// (after ftrace's header, before the events still in the buffer), or null.</param>
    /// <param name="lostEvents">Events the buffer lost when full, also written in the header.</param>
    /// <param name="containerName">The engine's name for the container, if it gave one.</param>
    public static string Save(TraceInstance instance, string containerId, string saveDir, DateTimeOffset now, string? followed,
        out long lostEvents, string? containerName = null, string? paths = null)
    {
        using var dir = SaveDirectory.Open(saveDir, create: true);
        return Save(instance, containerId, dir, saveDir, now, followed, out lostEvents, containerName, paths);
    }

    /// <summary>The same, into a save directory already opened (and checked) by handle: the file is
    /// created in that very directory, whatever its path has become meanwhile.</summary>
    public static string Save(TraceInstance instance, string containerId, SafeFileHandle dir, string saveDir, DateTimeOffset now,
        string? followed, out long lostEvents, string? containerName = null, string? paths = null, string? tenant = null)
    {
        lostEvents = instance.LostEvents();
        // Opened first: no file is created for a trace that cannot be read.
        FileStream trace;
        try
        {
            trace = new FileStream(instance.FilePath("trace"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HookException($"cannot read the trace of instance {instance.Name}: {e.Message}", e);
        }
        using var _ = trace;
        var baseName = BaseName(instance.Name, containerName, now);
        var header = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{ContainerHeader}{containerId}\n")
            .Append(containerName is null ? "" : $"{NameHeader}{containerName}\n")
            .Append(tenant is null ? "" : $"{TenantHeader}{tenant.ReplaceLineEndings(" ")}\n")
            .Append(CultureInfo.InvariantCulture, $"# oci-ftrace-hook: instance {instance.Name}, saved {now.UtcDateTime:O}\n")
            .Append(CultureInfo.InvariantCulture, $"{ArchHeader}{TraceArchNames.Name(TraceArchNames.Host)}\n")
            .Append(CultureInfo.InvariantCulture, $"{KernelHeader}{HostKernel.Release()}\n")
            .Append(paths is null ? "" : $"{PathsHeader}{paths.ReplaceLineEndings(" ")}\n")
            .Append(CultureInfo.InvariantCulture, $"{LostHeader}{lostEvents}")
            .Append(lostEvents > 0 ? " (the buffer was full: this trace is partial)\n" : "\n");
        // Written under a temporary name and renamed into place once whole, inside the directory's handle.
        return AtomicSave.Create(dir, saveDir, baseName, SavedTraceNames.Text, output =>
        {
            output.Write(Encoding.UTF8.GetBytes(header.ToString()));
            if (followed is not null && File.Exists(followed)) CopyWithFollowed(trace, output, followed);
            else trace.CopyTo(output);
        }, new SavedTraceOwner.Owner(containerId, containerName, tenant?.ReplaceLineEndings(" ")));
    }

    private static void CopyWithFollowed(Stream trace, Stream output, string followed)
    {
        using var reader = new StreamReader(trace, Encoding.UTF8, false, 1 << 16, leaveOpen: true);
        using var writer = new StreamWriter(output, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        var inserted = false;
        while (reader.ReadLine() is { } line)
        {
            if (!inserted && !line.StartsWith('#'))
            {
                Insert();
            }
            writer.Write(line);
            writer.Write('\n');
        }
        if (!inserted) Insert();

        void Insert()
        {
            writer.Flush();
            using (var spool = File.OpenRead(followed)) spool.CopyTo(output);
            inserted = true;
        }
    }

    /// <summary>A saved trace's name without suffix or extension: the instance, the engine's name for
    /// the container if it gave one, and the UTC time, which sorts.</summary>
    public static string BaseName(string instanceName, string? containerName, DateTimeOffset now)
    {
        var stamp = now.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
        return containerName is null ? $"{instanceName}-{stamp}" : $"{instanceName}-{ContainerName.ForFileName(containerName)}-{stamp}";
    }
}
