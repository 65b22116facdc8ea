using System.Globalization;
using Microsoft.Win32.SafeHandles;
using static Interop.OpenFlags;

namespace OciFtraceHook.HostFiles;

/// <summary>Every file the hook writes for others to read is written whole or not at all: into a
/// temporary of the same directory, `.NAME.PID.partial` (PID the writer's, so gc can tell one a
/// killed writer left from one being written), created exclusively without following a link, flushed
/// to disk before its rename where the caller asks (a runtime's config.json; /run is memory
/// anyway, and see AtomicSave for saved traces), then renamed into place. All of it happens relative to the
/// directory's handle, so a component of its path swapped meanwhile cannot redirect the write, and
/// the temporary is removed when a step fails.</summary>
internal static class AtomicFile
{
    public const string TemporarySuffix = ".partial";

    public static string TemporaryName(string name, int writerPid) =>
        $".{name}.{writerPid.ToString(CultureInfo.InvariantCulture)}{TemporarySuffix}";

    /// <summary>The final name and the writer's PID of a temporary name, or null for any other name
    /// (PID in decimal without a leading zero).</summary>
    public static (string Name, int WriterPid)? ParseTemporary(string fileName)
    {
        if (fileName.Length < 4 || fileName[0] != '.' || !fileName.EndsWith(TemporarySuffix, StringComparison.Ordinal)) return null;
        var inner = fileName.AsSpan(1, fileName.Length - 1 - TemporarySuffix.Length);
        var dot = inner.LastIndexOf('.');
        if (dot < 1) return null;
        var digits = inner[(dot + 1)..];
        if (digits.Length is 0 or > 10 || digits[0] == '0' || !int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            return null;
        return (inner[..dot].ToString(), pid);
    }

    /// <summary>Replaces (or creates) the file at <paramref name="path"/>, mode
    /// <paramref name="mode"/> exactly (not through the umask).</summary>
    public static void Replace(string path, Action<Stream> write, bool durable, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var dirPath = Path.GetDirectoryName(path)!;
        using var dir = Interop.Open(dirPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC, "open");
        Replace(dir, dirPath, Path.GetFileName(path), write, durable, mode);
    }

    /// <summary>The same, for <paramref name="name"/> in the directory <paramref name="dir"/> holds
    /// (<paramref name="dirPath"/> only names it in errors).</summary>
    public static void Replace(SafeFileHandle dir, string dirPath, string name, Action<Stream> write, bool durable,
        UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        var temporary = WriteTemporary(dir, dirPath, name, write, durable, mode);
        if (!Interop.TryRenameAt(dir, temporary, name, 0, out var errno))
        {
            RemoveTemporary(dir, dirPath, temporary);
            throw new SyscallException("rename to", Path.Combine(dirPath, name), errno);
        }
    }

    /// <summary>Creates <paramref name="baseName"/> + <paramref name="extension"/> in the directory,
    /// never replacing a file: a name already taken gets a numbered suffix (.1, .2, ...). Returns
    /// the path made.</summary>
    /// <param name="tag">Called with the written file's handle before its rename (extended attributes).</param>
    public static string CreateNew(SafeFileHandle dir, string dirPath, string baseName, string extension, Action<Stream> write, bool durable,
        Action<SafeFileHandle>? tag = null)
    {
        var temporary = WriteTemporary(dir, dirPath, baseName, write, durable, UnixFileMode.UserRead | UnixFileMode.UserWrite, tag);
        for (var attempt = 0; ; attempt++)
        {
            var name = (attempt == 0 ? baseName : $"{baseName}.{attempt.ToString(CultureInfo.InvariantCulture)}") + extension;
            if (Interop.TryRenameAt(dir, temporary, name, Interop.RENAME_NOREPLACE, out var errno)) return Path.Combine(dirPath, name);
            if (errno == Interop.EEXIST && attempt < 100) continue;
            RemoveTemporary(dir, dirPath, temporary);
            throw new SyscallException("rename to", Path.Combine(dirPath, name), errno);
        }
    }

    private static string WriteTemporary(SafeFileHandle dir, string dirPath, string name, Action<Stream> write, bool durable, UnixFileMode mode,
        Action<SafeFileHandle>? tag = null)
    {
        var temporary = TemporaryName(name, Environment.ProcessId);
        var handle = OpenTemporary(dir, dirPath, temporary);
        try
        {
            File.SetUnixFileMode(handle, mode); // exactly: the create mode went through the umask
            using var output = new FileStream(handle, FileAccess.Write, bufferSize: 1 << 16);
            write(output);
            tag?.Invoke(handle);
            output.Flush(flushToDisk: durable);
            return temporary;
        }
        catch
        {
            handle.Dispose();
            RemoveTemporary(dir, dirPath, temporary);
            throw;
        }
    }

    private static SafeFileHandle OpenTemporary(SafeFileHandle dir, string dirPath, string temporary)
    {
        var flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        for (var attempt = 0; ; attempt++)
        {
            if (Interop.TryOpenAt(dir, temporary, flags, 0x180 /* 0600 */, out var handle, out var errno)) return handle;
            handle.Dispose();
            // Left by a process of the same PID that died mid-write (unlink never follows a link).
            if (errno == Interop.EEXIST && attempt == 0)
            {
                Interop.UnlinkAt(dir, temporary, Path.Combine(dirPath, temporary));
                continue;
            }
            throw new SyscallException("create", Path.Combine(dirPath, temporary), errno);
        }
    }

    /// <summary>Best effort, after a failure: the failure is what the caller reports, and gc removes
    /// a temporary whose writer has ended.</summary>
    private static void RemoveTemporary(SafeFileHandle dir, string dirPath, string temporary)
    {
        try
        {
            Interop.UnlinkAt(dir, temporary, Path.Combine(dirPath, temporary));
        }
        catch (SyscallException)
        {
        }
    }

    /// <summary>Removes the temporaries in <paramref name="dir"/> whose writer has ended and that
    /// <paramref name="ours"/> accepts by their final name; returns how many.</summary>
    public static int RemoveAbandoned(string dir, Func<string, bool> ours, string procRoot = "/proc")
    {
        if (!Directory.Exists(dir)) return 0;
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(dir, "*" + TemporarySuffix))
        {
            if (ParseTemporary(Path.GetFileName(file)) is not var (name, writer) || !ours(name)) continue;
            if (Directory.Exists($"{procRoot}/{writer.ToString(CultureInfo.InvariantCulture)}")) continue;
            File.Delete(file);
            removed++;
        }
        return removed;
    }
}
