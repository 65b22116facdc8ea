using System.Text;
using Microsoft.Win32.SafeHandles;
using OciFtraceHook.HostFiles;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tracing;

/// <summary>The path arguments of file syscalls as strings, through kprobes on the syscall entry
/// functions (<c>p:ociftracehook/openat __x64_sys_openat a1=+0(+104(%di)):ustring</c>: argument 1 is
/// in the saved registers the function gets) or, where the kernel has no kprobes, event probes on the
/// syscall events (<c>e:ociftracehook/openat syscalls/sys_enter_openat a1=+0($filename):ustring</c>).
/// Either prints <c>openat: (...) a1="/etc/passwd"</c> right after the call's enter line (aN: the
/// string of argument N). Kprobes come first although eprobes read the event's own fields: an eprobe
/// enabled in a second instance never fires there (the kernel attaches it to the first instance's
/// event only), so two containers would not both get paths. Definitions in dynamic_events are global to the host: they
/// live in a group of the hook's own, shared by every container, made and removed under one lock
/// (two containers starting at once neither race nor remove what the other enables), enabled only in
/// the instances that want them (so each instance's set_event_pid and event-fork filter them), and
/// removed when no instance enables them any more. Definitions of other groups are never touched.</summary>
internal sealed class PathProbes
{
    private readonly TraceFs traceFs;
    private readonly string lockPath;

    public PathProbes(TraceFs traceFs, string lockPath)
    {
        this.traceFs = traceFs;
        this.lockPath = lockPath;
        _kind = new(() => FindKind(traceFs));
        _definitions = new(MakeDefinitions);
    }

    public const string Group = "ociftracehook";
    /// <summary>Held (flock) while definitions are made, enabled or removed; in /run, so it goes
    /// with a reboot, as the definitions do.</summary>
    public const string LockPath = "/run/oci-ftrace-hook/path-probes.lock";

    private string DynamicEvents => Path.Combine(traceFs.Root, "dynamic_events");

    /// <summary>Where a kernel's refusal of the probe syntax is remembered, with the boot it is from:
    /// finding it out costs every start ~1 ms (fifty format files read, then a refused write).</summary>
    private string RefusalPath => lockPath + RefusalSuffix;
    public const string RefusalSuffix = ".refused";

    /// <summary>Where the kernel has copied a path from the process (struct filename): a return
    /// probe on each reads the copy the kernel went on with, which never faults, unlike a string
    /// read from the process at entry. getname is an inlined copy of getname_flags on 6.1 and 6.12
    /// (a probe on getname_flags alone misses openat there); 7.3 has no getname of its own.</summary>
    public static readonly string[] KernelCopyFunctions = ["getname_flags", "getname", "getname_uflags"];

    /// <summary>The kernel-copy probes' event names start with this (the rest is the function).</summary>
    public const string KernelCopyPrefix = "kcopy_";

    /// <summary>"kprobes" or "eprobes": how this kernel can record paths; null when it cannot.
    /// tracefs's README lists the eprobe syntax whenever it has dynamic events, so a kernel without
    /// eprobes is found out when it refuses the first definition (see EnableIn).</summary>
    public string? Kind => _kind.Value;

    /// <summary>Asked several times a start (availability, definitions, the first write): found once.</summary>
    private readonly Lazy<string?> _kind;

    private static string? FindKind(TraceFs traceFs)
    {
        if (!File.Exists(Path.Combine(traceFs.Root, "dynamic_events"))) return null;
        if (File.Exists(Path.Combine(traceFs.Root, "kprobe_events")) && EntryPrefix is not null) return "kprobes";
        var readme = Path.Combine(traceFs.Root, "README");
        return File.Exists(readme) && File.ReadAllText(readme).Contains("e[:[<group>/][<event>]]", StringComparison.Ordinal) ? "eprobes" : null;
    }

    /// <summary>Whether the definitions read the kernel's own copies too (kprobes, and a getname
    /// function of the kernel's to probe); else paths are read at the syscalls' entry only.</summary>
    public bool ReadsKernelCopies => Definitions().Any(d => d.Name.StartsWith(KernelCopyPrefix, StringComparison.Ordinal));

    /// <summary>Why this kernel cannot record paths, or null when it can.</summary>
    public string? Unavailable()
    {
        if (!File.Exists(DynamicEvents)) return "this kernel has no dynamic events (CONFIG_PROBE_EVENTS is off)";
        return Kind is null ? "this kernel has neither kprobes (CONFIG_KPROBE_EVENTS) nor event probes (CONFIG_EPROBE_EVENTS)" : null;
    }

    /// <summary>The syscall entry functions' prefix, and where each argument is in the saved
    /// registers (struct pt_regs) they get as their only argument.</summary>
    private static string? EntryPrefix => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "__x64_sys_",
        System.Runtime.InteropServices.Architecture.Arm64 => "__arm64_sys_",
        _ => null,
    };

    private static readonly int[] X64ArgumentOffsets = [112, 104, 96, 56, 72, 64];

    private static string ArgumentAt(int index) => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        // x86_64 pt_regs: di si dx r10 r8 r9 at 112 104 96 56 72 64.
        System.Runtime.InteropServices.Architecture.X64 => $"+{X64ArgumentOffsets[index]}(%di)",
        // arm64 pt_regs: x0..x5 first.
        _ => $"+{8 * index}(%x0)",
    };

    /// <summary>"p:GROUP/NAME __x64_sys_NAME aI=+0(+OFF(%di)):ustring ..." (kprobes) or
    /// "e:GROUP/NAME syscalls/sys_enter_NAME aI=+0($FIELD):ustring ..." (eprobes) for each file
    /// syscall this kernel has an event (and entry function) for; an eprobe's field names come from
    /// each event's format.</summary>
    public IReadOnlyList<(string Name, string Definition)> Definitions() => _definitions.Value;

    /// <summary>Made once: they read /proc/kallsyms (~165,000 lines).</summary>
    private readonly Lazy<IReadOnlyList<(string Name, string Definition)>> _definitions;

    public PathProbes(TraceFs traceFs) : this(traceFs, LockPath) { }

    private IReadOnlyList<(string Name, string Definition)> MakeDefinitions()
    {
        var list = new List<(string, string)>();
        if (Kind == "kprobes")
        {
            var functions = EntryFunctions();
            // "r:GROUP/kcopy_F F ptr=$retval:x64 name=+0(+0($retval)):string": the struct
            // filename F returns (an error pointer when the copy failed: then name reads as a fault).
            foreach (var function in KernelCopyFunctions.Where(functions.Contains))
                list.Add((KernelCopyPrefix + function, $"r:{Group}/{KernelCopyPrefix}{function} {function} ptr=$retval:x64 name=+0(+0($retval)):string"));
            foreach (var (ev, indices) in PathArguments.ByEvent.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (!functions.Contains(EntryPrefix + ev) || !File.Exists(Path.Combine(traceFs.Root, "events", "syscalls", $"sys_enter_{ev}", "format"))) continue;
                var sb = new StringBuilder().Append("p:").Append(Group).Append('/').Append(ev).Append(' ').Append(EntryPrefix).Append(ev);
                foreach (var i in indices) sb.Append(" a").Append(i).Append("=+0(").Append(ArgumentAt(i)).Append("):ustring");
                list.Add((ev, sb.ToString()));
            }
            return list;
        }
        foreach (var (ev, indices) in PathArguments.ByEvent.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var format = Path.Combine(traceFs.Root, "events", "syscalls", $"sys_enter_{ev}", "format");
            if (!File.Exists(format)) continue;
            var fields = ArgumentFields(File.ReadLines(format));
            var sb = new StringBuilder().Append("e:").Append(Group).Append('/').Append(ev).Append(" syscalls/sys_enter_").Append(ev);
            var any = false;
            foreach (var i in indices)
            {
                if (i >= fields.Count) continue;
                sb.Append(" a").Append(i).Append("=+0($").Append(fields[i]).Append("):ustring");
                any = true;
            }
            if (any) list.Add((ev, sb.ToString()));
        }
        return list;
    }

    /// <summary>The kernel's syscall entry functions and kernel-copy points (from /proc/kallsyms,
    /// names only).</summary>
    private static HashSet<string> EntryFunctions()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines("/proc/kallsyms"))
        {
            var at = line.IndexOf(EntryPrefix!, StringComparison.Ordinal);
            if (at > 0 && line[at - 1] == ' ') names.Add(line[at..].TrimEnd());
            else if (line.EndsWith("getname_flags", StringComparison.Ordinal) || line.EndsWith("getname", StringComparison.Ordinal)
                     || line.EndsWith("getname_uflags", StringComparison.Ordinal))
            {
                var space = line.LastIndexOf(' ');
                if (space > 0 && line.Length - space > 1 && line[..space].EndsWith(" T", StringComparison.OrdinalIgnoreCase)) names.Add(line[(space + 1)..]);
            }
        }
        return names;
    }

    /// <summary>The argument field names of a syscall event's format, in order (after __syscall_nr).</summary>
    internal static List<string> ArgumentFields(IEnumerable<string> format)
    {
        var fields = new List<string>();
        var started = false;
        foreach (var line in format)
        {
            var at = line.IndexOf("field:", StringComparison.Ordinal);
            if (at < 0) continue;
            var semi = line.IndexOf(';', at);
            if (semi < 0) continue;
            var decl = line[(at + 6)..semi];
            var name = decl[(decl.LastIndexOfAny([' ', '*']) + 1)..];
            if (name == "__syscall_nr")
            {
                started = true;
                continue;
            }
            if (started && name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')) fields.Add(name);
        }
        return fields;
    }

    /// <summary>Defines what is missing (under the lock) and enables the group in the instance.
    /// Throws HookException with one clear line when the kernel refuses.</summary>
    public void EnableIn(TraceInstance instance)
    {
        if (RefusedEarlier() is { } refused) throw new ProbesUnsupportedException(refused);
        using var held = Lock();
        var existing = Listed();
        var kind = Kind;
        foreach (var (name, definition) in Definitions())
        {
            // dynamic_events lists "syscalls.sys_enter_NAME" for the "syscalls/sys_enter_NAME" written,
            // and a return probe with its maxactive ("r10:" for "r:").
            var listed = Normalized(definition.Replace(" syscalls/", " syscalls.", StringComparison.Ordinal));
            if (existing.TryGetValue(name, out var current))
            {
                if (Normalized(current) != listed)
                    throw new HookException($"dynamic event {Group}/{name} exists with another definition ('{current}'): paths are not recorded; " +
                                            $"remove it with: echo '-:{Group}/{name}' >> {DynamicEvents}");
                continue;
            }
            try
            {
                Write(definition, $"cannot define the path probe {Group}/{name}");
            }
            catch (HookException e) when (kind == "eprobes" && existing.Count == 0 && e.InnerException is IOException io && !IsFileFault(io))
            {
                // The first definition on a kernel that lists the syntax but was built without eprobes.
                var refusal = new ProbesUnsupportedException(
                    $"this kernel has no kprobes (CONFIG_KPROBE_EVENTS) and refused an event probe (CONFIG_EPROBE_EVENTS is off?): {e.Message}", e);
                RememberRefusal(refusal.Message);
                throw refusal;
            }
        }
        instance.Write($"events/{Group}/enable", "1");
    }

    /// <summary>A definition without a return probe's maxactive: "r10:G/N ..." reads as "r:G/N ...".</summary>
    private static string Normalized(string definition)
    {
        if (definition.Length < 2 || definition[0] != 'r') return definition;
        var colon = definition.IndexOf(':');
        return colon > 1 && definition.AsSpan(1, colon - 1).ContainsAnyExceptInRange('0', '9') is false ? "r" + definition[colon..] : definition;
    }

    /// <summary>The refusal an earlier start met in this boot, or null.</summary>
    private string? RefusedEarlier()
    {
        try
        {
            var lines = File.ReadAllLines(RefusalPath);
            return lines.Length == 2 && lines[0] == BootId.Current() && lines[0].Length > 0 ? lines[1] : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Best effort: a memo that cannot be written costs the next start the attempt again.</summary>
    private void RememberRefusal(string why)
    {
        try
        {
            RunDirectory.Ensure(Path.GetDirectoryName(RefusalPath)!);
            var memo = Encoding.UTF8.GetBytes(BootId.Current() + "\n" + why.ReplaceLineEndings(" ") + "\n");
            AtomicFile.Replace(RefusalPath, output => output.Write(memo), durable: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HookException)
        {
        }
    }

    /// <summary>Removes the group's definitions when no instance (and not the top level) enables any
    /// of them; a definition still in use stays. Returns how many it removed.</summary>
    public int RemoveUnused()
    {
        // Nothing of ours defined (always so on kernels without probes): no lock, no lock file.
        if (!File.Exists(DynamicEvents) || Listed().Count == 0) return 0;
        using var held = Lock();
        var existing = Listed();
        if (existing.Count == 0 || InUse()) return 0;
        var removed = 0;
        foreach (var name in existing.Keys)
        {
            try
            {
                Write($"-:{Group}/{name}", "");
                removed++;
            }
            catch (HookException)
            {
                // Enabled somewhere after all (EBUSY): it stays until the next gc.
            }
        }
        return removed;
    }

    /// <summary>dynamic_events itself cannot be written (read-only, or no room): the kernel never
    /// saw the definition, so it says nothing of its syntax. .NET keeps errno in HResult.</summary>
    private static bool IsFileFault(IOException e) =>
        e.HResult == Errno.Number("EROFS") || e.HResult == Errno.Number("ENOSPC") || e.HResult == Errno.Number("EDQUOT");

    /// <summary>Our group's definitions now in dynamic_events, by event name.</summary>
    private Dictionary<string, string> Listed()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var prefix = $":{Group}/";
        foreach (var line in File.ReadLines(DynamicEvents))
        {
            // "p:GROUP/NAME ...", "e:GROUP/NAME ...", "r16:GROUP/NAME ...": the group right after the first colon.
            var colon = line.IndexOf(':');
            if (colon < 1 || !line.AsSpan(colon).StartsWith(prefix, StringComparison.Ordinal)) continue;
            var start = colon + prefix.Length;
            var space = line.IndexOf(' ', start);
            result[line[start..(space < 0 ? line.Length : space)]] = line.TrimEnd();
        }
        return result;
    }

    private bool InUse()
    {
        var places = new List<string> { traceFs.Root };
        if (Directory.Exists(traceFs.InstancesDir)) places.AddRange(Directory.EnumerateDirectories(traceFs.InstancesDir));
        foreach (var place in places)
        {
            var enable = Path.Combine(place, "events", Group, "enable");
            try
            {
                if (File.Exists(enable) && File.ReadAllText(enable).Trim() != "0") return true;
            }
            catch (IOException)
            {
                // An instance being removed right now: it no longer counts.
            }
        }
        return false;
    }

    /// <summary>One definition per write(2), without truncating: opening dynamic_events with O_TRUNC
    /// would remove every probe on the host.</summary>
    private void Write(string line, string what)
    {
        try
        {
            using var handle = File.OpenHandle(DynamicEvents, FileMode.Open, FileAccess.Write);
            RandomAccess.Write(handle, Encoding.ASCII.GetBytes(line + "\n"), 0);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HookException($"{what}: {e.Message} (writing '{line}' to {DynamicEvents})", e);
        }
    }

    /// <summary>An exclusive lock shared by every hook process on the host, waited for up to 10 s.</summary>
    private SafeFileHandle Lock()
    {
        RunDirectory.Ensure(Path.GetDirectoryName(lockPath)!);
        return FileLock.Acquire(lockPath, TimeSpan.FromSeconds(10));
    }
}

/// <summary>The kernel refused the probe syntax itself: it lacks the feature, nothing is wrong.</summary>
internal sealed class ProbesUnsupportedException(string message, Exception? inner = null) : HookException(message, inner);
