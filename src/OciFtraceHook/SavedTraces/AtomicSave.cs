using Microsoft.Win32.SafeHandles;
using OciFtraceHook.HostFiles;

namespace OciFtraceHook.SavedTraces;

/// <summary>A saved trace is an <see cref="AtomicFile"/> that never replaces another (a name
/// already taken gets a numbered suffix) and is on disk before it has its name: a crash leaves no
/// file under a trace's name that is not whole.</summary>
internal static class AtomicSave
{
    /// <param name="dir">The save directory, opened (and checked) by handle.</param>
    /// <param name="dirPath">Its path, only for the names returned and shown in errors.</param>
    /// <returns>The final path.</returns>
    public static string Create(SafeFileHandle dir, string dirPath, string baseName, string extension, Action<Stream> write)
    {
        try
        {
            return AtomicFile.CreateNew(dir, dirPath, baseName, extension, write, durable: true);
        }
        catch (SyscallException e)
        {
            throw new HookException($"cannot save the trace: {e.Message}", e);
        }
    }
}
