using System.Globalization;
using static Interop.OpenFlags;

namespace OciFtraceHook.SavedTraces;

/// <summary>Writes a saved trace under a temporary name in its directory and renames it into place
/// only once it is whole, so a save that fails halfway (a full disk) leaves nothing under a trace's
/// name. Both names are opened and renamed without following symlinks, the temporary one created
/// exclusively, and the rename never replaces a file: a name already taken gets a numbered suffix.</summary>
internal static class AtomicSave
{
    public const string TemporarySuffix = ".partial";

    /// <returns>The final path.</returns>
    public static string Create(string dir, string baseName, string extension, Action<Stream> write)
    {
        var temporary = Path.Combine(dir, $".{baseName}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}{TemporarySuffix}");
        var handle = OpenTemporary(temporary);
        try
        {
            using (var output = new FileStream(handle, FileAccess.Write, bufferSize: 1 << 16))
            {
                write(output);
                output.Flush();
            }
            for (var attempt = 0; ; attempt++)
            {
                var path = Path.Combine(dir, (attempt == 0 ? baseName : $"{baseName}.{attempt.ToString(CultureInfo.InvariantCulture)}") + extension);
                if (Interop.Libc.RenameAt2(Interop.Libc.AT_FDCWD, temporary, Interop.Libc.AT_FDCWD, path, Interop.Libc.RENAME_NOREPLACE) == 0)
                    return path;
                var error = Interop.Error("rename saved trace to", path);
                if (error.Errno == Interop.EEXIST && attempt < 100) continue;
                throw new HookException($"cannot save the trace: {error.Message}", error);
            }
        }
        catch
        {
            File.Delete(temporary); // unlink(2): never follows a link
            throw;
        }
        finally
        {
            handle.Dispose();
        }
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle OpenTemporary(string temporary)
    {
        const int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
        for (var attempt = 0; ; attempt++)
        {
            if (Interop.TryOpen(temporary, flags | O_NOFOLLOW, 0x180 /* 0600 */, out var handle, out var errno)) return handle;
            handle.Dispose();
            // Left by a process of the same id that died mid-save (unlink never follows a link).
            if (errno == Interop.EEXIST && attempt == 0)
            {
                File.Delete(temporary);
                continue;
            }
            var error = new SyscallException("create saved trace", temporary, errno);
            throw new HookException($"cannot save the trace: {error.Message}", error);
        }
    }
}
