using System.Globalization;
using Microsoft.Win32.SafeHandles;
using static Interop.OpenFlags;

namespace OciFtraceHook.SavedTraces;

/// <summary>Writes a saved trace under a temporary name in its directory and renames it into place
/// only once it is whole, so a save that fails halfway (a full disk) leaves nothing under a trace's
/// name. Everything happens relative to the directory's handle, opened (and checked) once without
/// following symlinks: the temporary file is created there with openat (exclusively, no symlink
/// followed, 0600), renamed there with renameat2, and removed there on failure, so a component of the
/// directory's path swapped meanwhile cannot redirect the write. The rename never replaces a file: a
/// name already taken gets a numbered suffix.</summary>
internal static class AtomicSave
{
    public const string TemporarySuffix = ".partial";

    /// <summary>The temporary name of a save in progress: `.BASE.PID.partial`, PID being the writer's.</summary>
    public static string TemporaryName(string baseName, int writerPid) =>
        $".{baseName}.{writerPid.ToString(CultureInfo.InvariantCulture)}{TemporarySuffix}";

    /// <param name="dir">The directory, opened by handle.</param>
    /// <param name="dirPath">Its path, only for the names returned and shown in errors.</param>
    /// <returns>The final path.</returns>
    public static string Create(SafeFileHandle dir, string dirPath, string baseName, string extension, Action<Stream> write)
    {
        var temporary = TemporaryName(baseName, Environment.ProcessId);
        var handle = OpenTemporary(dir, dirPath, temporary);
        try
        {
            using (var output = new FileStream(handle, FileAccess.Write, bufferSize: 1 << 16))
            {
                write(output);
                output.Flush();
            }
            for (var attempt = 0; ; attempt++)
            {
                var name = (attempt == 0 ? baseName : $"{baseName}.{attempt.ToString(CultureInfo.InvariantCulture)}") + extension;
                if (Interop.TryRenameAt(dir, temporary, name, Interop.RENAME_NOREPLACE, out var errno)) return Path.Combine(dirPath, name);
                if (errno == Interop.EEXIST && attempt < 100) continue;
                var error = new SyscallException("rename saved trace to", Path.Combine(dirPath, name), errno);
                throw new HookException($"cannot save the trace: {error.Message}", error);
            }
        }
        catch
        {
            RemoveTemporary(dir, dirPath, temporary);
            throw;
        }
        finally
        {
            handle.Dispose();
        }
    }

    private static SafeFileHandle OpenTemporary(SafeFileHandle dir, string dirPath, string temporary)
    {
        var flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
        for (var attempt = 0; ; attempt++)
        {
            if (Interop.TryOpenAt(dir, temporary, flags, 0x180 /* 0600 */, out var handle, out var errno)) return handle;
            handle.Dispose();
            // Left by a process of the same id that died mid-save (unlink never follows a link).
            if (errno == Interop.EEXIST && attempt == 0)
            {
                Interop.UnlinkAt(dir, temporary, Path.Combine(dirPath, temporary));
                continue;
            }
            var error = new SyscallException("create saved trace", Path.Combine(dirPath, temporary), errno);
            throw new HookException($"cannot save the trace: {error.Message}", error);
        }
    }

    /// <summary>Best effort, after a failure: the failure is what the caller reports.</summary>
    private static void RemoveTemporary(SafeFileHandle dir, string dirPath, string temporary)
    {
        try
        {
            Interop.UnlinkAt(dir, temporary, Path.Combine(dirPath, temporary)); // never follows a link
        }
        catch (SyscallException)
        {
            // Left for gc, which removes temporaries whose writer has ended.
        }
    }
}
