namespace OciFtraceHook.Decoding;

/// <summary>Which process (thread group) each thread of a trace belongs to, told from the
/// task_newtask events the hook records: a task made with CLONE_THREAD joins its parent's group,
/// any other starts its own, whose id is its own. A thread never seen made (the container's init,
/// or one whose event a full buffer overwrote) counts as its own group, as strace shows an unknown
/// thread. Traces saved by earlier releases carry the kernel's record-tgid table instead, which
/// the decoders ask first.</summary>
internal sealed class ThreadGroups
{
    /// <summary>clone(2)'s CLONE_THREAD.</summary>
    public const ulong CloneThread = 0x10000;

    /// <summary>At most this many threads are remembered (a trace of a fork bomb stays bounded);
    /// one made later counts as its own group.</summary>
    private const int MaxThreads = 1 << 20;

    private readonly Dictionary<int, int> _groups = new();

    /// <summary>A task made by a thread of group <paramref name="parentGroup"/>.</summary>
    public void Made(int parentGroup, int child, ulong cloneFlags)
    {
        if (child <= 0 || (_groups.Count >= MaxThreads && !_groups.ContainsKey(child))) return;
        // A pid is reused once its task is gone: the newest task of that id counts.
        _groups[child] = (cloneFlags & CloneThread) != 0 ? parentGroup : child;
    }

    public int Of(int tid) => _groups.TryGetValue(tid, out var group) ? group : tid;
}
