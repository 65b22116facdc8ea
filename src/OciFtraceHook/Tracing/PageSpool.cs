using System.Buffers.Binary;
using OciFtraceHook.HostFiles;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tracing;

/// <summary>Ring-buffer pages that `show --follow` took out of a running instance (reading
/// trace_pipe_raw consumes them), kept raw under /run for the trace.dat saved when the container
/// ends: records of a CPU number (4 bytes) and one whole page. Opening it takes an exclusive lock
/// (flock) held until disposed, so the save reads the spool and then the ring buffer while no
/// follower moves pages from one to the other. Bounded: past <c>maxBytes</c> pages are no longer
/// kept, and <see cref="Full"/> says so.</summary>
internal sealed class PageSpool : IDisposable
{
    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);
    private readonly string _path;
    private readonly FileStream _file;
    private readonly int _pageSize;
    private readonly long _maxBytes;

    private PageSpool(string path, FileStream file, int pageSize, long maxBytes)
    {
        _path = path;
        _file = file;
        _pageSize = pageSize;
        _maxBytes = maxBytes;
        _file.Seek(0, SeekOrigin.End);
    }

    /// <summary>Pages were left out: the spool reached its bound.</summary>
    public bool Full { get; private set; }

    /// <summary>Opens (creating it when <paramref name="create"/>) and locks the spool, waiting up
    /// to 10 s for another holder; null when there is none to open.</summary>
    public static PageSpool? Open(string path, int pageSize, long maxBytes, bool create)
    {
        var handle = FileLock.TryAcquire(path, LockWait, create);
        if (handle is null)
        {
            if (!create && !File.Exists(path)) return null;
            throw new HookException($"{path} stayed locked by another process for {LockWait.TotalSeconds:0} s");
        }
        return new PageSpool(path, new FileStream(handle, FileAccess.ReadWrite), pageSize, maxBytes);
    }

    /// <summary>Keeps one page of <paramref name="cpu"/> while there is room.</summary>
    public void Append(int cpu, ReadOnlySpan<byte> page)
    {
        if (Full) return;
        if (_file.Length + 4 + _pageSize > _maxBytes)
        {
            Full = true;
            return;
        }
        Span<byte> head = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(head, cpu);
        _file.Write(head);
        _file.Write(page[.._pageSize]);
    }

    public void Flush() => _file.Flush();

    /// <summary>Removes the spool while it holds nothing (its lock still held): a follower that
    /// read nothing leaves no file behind, even after the save dropped the spool.</summary>
    public void DeleteIfEmpty()
    {
        if (_file.Length == 0) File.Delete(_path);
    }

    /// <summary>The spooled pages by CPU, in the order they were taken. A record cut short (a
    /// follower killed mid-write) ends the reading; a CPU number out of range is skipped.</summary>
    public Dictionary<int, List<byte[]>> ReadPages()
    {
        _file.Flush();
        var pages = new Dictionary<int, List<byte[]>>();
        _file.Position = 0;
        Span<byte> head = stackalloc byte[4];
        while (_file.Length - _file.Position >= 4 + _pageSize)
        {
            _file.ReadExactly(head);
            var cpu = BinaryPrimitives.ReadInt32LittleEndian(head);
            var page = new byte[_pageSize];
            _file.ReadExactly(page);
            if (cpu is < 0 or >= RawCapture.MaxCpus) continue;
            if (!pages.TryGetValue(cpu, out var list)) pages[cpu] = list = [];
            list.Add(page);
        }
        _file.Seek(0, SeekOrigin.End);
        return pages;
    }

    public void Dispose() => _file.Dispose();
}
