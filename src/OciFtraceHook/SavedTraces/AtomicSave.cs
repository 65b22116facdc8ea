using Microsoft.Win32.SafeHandles;
using OciFtraceHook.HostFiles;

namespace OciFtraceHook.SavedTraces;

/// <summary>A saved trace is an <see cref="AtomicFile"/> that never replaces another (a name
/// already taken gets a numbered suffix). It is not flushed to disk before its rename: that costs
/// the disk's write time (30-120 ms for 3-16 MB here, against a copy floor of 5-20 ms), on every
/// save, to guard a trace against a host crash in the seconds after it; a trace.dat cut by one is
/// refused by the decoder as truncated, never misread. config.json, which a runtime needs whole,
/// is flushed.</summary>
internal static class AtomicSave
{
    /// <param name="dir">The save directory, opened (and checked) by handle.</param>
    /// <param name="dirPath">Its path, only for the names returned and shown in errors.</param>
    /// <param name="owner">Whose it is, as the trace itself says (see SavedTraceTag); null: untagged.</param>
    /// <returns>The final path.</returns>
    public static string Create(SafeFileHandle dir, string dirPath, string baseName, string extension, Action<Stream> write,
        SavedTraceOwner.Owner? owner = null)
    {
        try
        {
            return AtomicFile.CreateNew(dir, dirPath, baseName, extension, write, durable: false,
                owner is { Id: { } id } ? file => SavedTraceTag.Set(file, id, owner.Tenant) : null);
        }
        catch (SyscallException e)
        {
            throw new HookException($"cannot save the trace: {e.Message}", e);
        }
    }
}
