using Microsoft.Win32.SafeHandles;

namespace OciFtraceHook.HostFiles;

/// <summary>A lock file that exists only while it is held: released, it is unlinked first, then
/// closed. For locks named after something that goes away (an instance), so no lock outlives it,
/// whoever takes it last and whatever that one finds. Safe against a taker waiting meanwhile:
/// <see cref="FileLock.TryAcquire"/> refuses a lock whose file has no link left and opens the name again.</summary>
internal sealed class TransientLock : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly string _path;

    private TransientLock(SafeFileHandle handle, string path)
    {
        _handle = handle;
        _path = path;
    }

    /// <summary>The lock on <paramref name="path"/>, made if missing; null when another process holds it.</summary>
    public static TransientLock? TryAcquire(string path) =>
        FileLock.TryAcquire(path, TimeSpan.Zero) is { } handle ? new TransientLock(handle, path) : null;

    public void Dispose()
    {
        if (_handle.IsClosed) return;
        try
        {
            File.Delete(_path);
        }
        finally
        {
            _handle.Dispose();
        }
    }
}
