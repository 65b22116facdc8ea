namespace OciFtraceHook.Tables;

/// <summary>The syscalls of one architecture, from the kernel's own table (syscalls-ARCH.tsv):
/// number, the name libseccomp and strace use, and the ftrace event name, which differs for some
/// (uname is event newuname, sendfile is sendfile64).</summary>
internal sealed class SyscallTable
{
    private static readonly Lazy<SyscallTable> X86 = new(() => new SyscallTable("syscalls-x86_64.tsv"));
    private static readonly Lazy<SyscallTable> Arm = new(() => new SyscallTable("syscalls-arm64.tsv"));

    private readonly Dictionary<string, string> _nameByEvent = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _eventByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _numberByName = new(StringComparer.Ordinal);

    private SyscallTable(string resource)
    {
        foreach (var row in TableFile.Rows(resource))
        {
            var (number, name, ev) = (int.Parse(row[0]), row[1], row[2]);
            _numberByName[name] = number;
            _eventByName.TryAdd(name, ev);
            // Several syscalls can share an entry point (ni_syscall): the first names the event.
            _nameByEvent.TryAdd(ev, name);
        }
    }

    public static SyscallTable For(TraceArch arch) => arch == TraceArch.Arm64 ? Arm.Value : X86.Value;

    /// <summary>The syscall's name for an ftrace event name (the event name when unknown).</summary>
    public string NameOf(string ev) => _nameByEvent.TryGetValue(ev, out var name) ? name : ev;

    public string? EventOf(string name) => _eventByName.GetValueOrDefault(name);

    public int? NumberOf(string name) => _numberByName.TryGetValue(name, out var n) ? n : null;

    public IEnumerable<string> Names => _numberByName.Keys;
}
