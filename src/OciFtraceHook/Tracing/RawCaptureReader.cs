using System.Buffers.Binary;
using System.Globalization;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tracing;

/// <summary>Reads an instance's <see cref="RawCapture"/>. Reading consumes the pages: call it on a
/// stopped instance, once.</summary>
internal static class RawCaptureReader
{
    /// <param name="spoolPath">Pages `show --follow` took out of the ring buffer earlier (see
    /// <see cref="PageSpool"/>): each CPU's come first. Its lock is held while the ring buffer is
    /// read, so no page is in neither.</param>
    public static RawCapture Read(TraceInstance instance, EventFormatCatalog catalog, string? spoolPath = null)
    {
        // The kernel takes ~2 ms to print its table of names (all the host's): read it while the
        // pages are copied.
        var hostTables = ReadHostTables(instance);
        var (headerPage, layout) = ReadLayout(instance);
        using var spool = spoolPath is null ? null : PageSpool.Open(spoolPath, layout.PageSize, long.MaxValue, create: false);
        var spooled = spool?.ReadPages() ?? [];
        var cpus = new List<CpuPages>();
        var stats = new List<string>();
        var perCpu = instance.FilePath("per_cpu");
        foreach (var cpu in CpuNumbers(perCpu).Union(spooled.Keys).Order())
        {
            var dir = Path.Combine(perCpu, "cpu" + cpu.ToString(CultureInfo.InvariantCulture));
            var earlier = spooled.GetValueOrDefault(cpu) ?? [];
            var pipe = Path.Combine(dir, "trace_pipe_raw");
            cpus.Add(File.Exists(pipe) ? ReadCpu(pipe, cpu, layout.PageSize, earlier) : Joined(cpu, earlier, layout.PageSize));
            stats.Add(ReadText(Path.Combine(dir, "stats")));
        }
        return Build(instance, catalog, headerPage, layout, cpus, stats, hostTables);
    }

    /// <summary>What a follower took in one round, made readable like a capture: the pages' own
    /// lost-event marks count, not the CPUs' totals (those cover the whole run).</summary>
    public static RawCapture FromPages(TraceInstance instance, EventFormatCatalog catalog, byte[] headerPage, PageLayout layout,
        IReadOnlyList<CpuPages> cpus) =>
        Build(instance, catalog, headerPage, layout, cpus, cpus.Select(_ => "").ToList(), ReadHostTables(instance));

    /// <summary>events/header_page and the page layout it gives.</summary>
    public static (byte[] HeaderPage, PageLayout Layout) ReadLayout(TraceInstance instance)
    {
        var path = Path.Combine(instance.TraceFs.Root, "events", "header_page");
        var headerPage = File.ReadAllBytes(path);
        var layout = PageLayout.Parse(System.Text.Encoding.ASCII.GetString(headerPage))
                     ?? throw new HookException($"cannot read {path}: not a page layout this reader knows");
        return (headerPage, layout);
    }

    /// <summary>saved_cmdlines, and saved_tgids only from an instance with options/record-tgid on (a
    /// kernel without task_newtask, see InstanceSetup, or one made by an earlier release): the
    /// kernel prints that table by walking every pid up to pid_max, ~4 ms of CPU a save here, and
    /// the task_newtask events in the pages tell the decoders the same.</summary>
    private static Task<(byte[] Cmdlines, byte[] Tgids)> ReadHostTables(TraceInstance instance) =>
        Task.Run(() => (Cmdlines: ReadBytes(Path.Combine(instance.TraceFs.Root, "saved_cmdlines")),
                        Tgids: RecordsTgids(instance) ? ReadBytes(Path.Combine(instance.TraceFs.Root, "saved_tgids")) : []));

    private static bool RecordsTgids(TraceInstance instance) =>
        ReadText(instance.FilePath("options/record-tgid")).StartsWith('1');

    private static RawCapture Build(TraceInstance instance, EventFormatCatalog catalog, byte[] headerPage, PageLayout layout,
        IReadOnlyList<CpuPages> cpus, IReadOnlyList<string> stats, Task<(byte[] Cmdlines, byte[] Tgids)> hostTables)
    {
        var events = Path.Combine(instance.TraceFs.Root, "events");
        // Event type ids are 16 bits: a flag per id costs an event a store, where a set's Add cost
        // tens of nanoseconds (a full 8 MiB buffer holds ~700,000 events per CPU).
        var seen = new bool[ushort.MaxValue + 1];
        var pids = new HashSet<int>();
        var lastPid = -1;
        long lost = 0, count = 0;
        var cursor = new PageCursor(layout);
        for (var i = 0; i < cpus.Count; i++)
        {
            var cpu = cpus[i];
            var data = cpu.Buffer;
            long marked = 0, unknownMarks = 0;
            for (var at = 0; at + layout.PageSize <= cpu.Length; at += layout.PageSize)
            {
                if (!cursor.Load(data, at)) continue;
                if (cursor.Lost < 0) unknownMarks++;
                else marked += cursor.Lost;
                while (cursor.Next(out var payload, out var length))
                {
                    count++;
                    if (length >= 2) seen[BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(payload, 2))] = true;
                    // Every event starts with the common fields: type (2 bytes), flags, preempt count,
                    // pid (4). Runs of one thread's events are the rule: the set is asked once a run.
                    if (length >= 8 && BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(payload + 4, 4)) is var pid && pid != lastPid)
                    {
                        pids.Add(pid);
                        lastPid = pid;
                    }
                }
            }
            // A full page has no room for the count: the kernel's overrun total says how many then.
            lost += Math.Max(marked + unknownMarks, unknownMarks > 0 ? Stat(stats[i], "overrun:") : 0) + Stat(stats[i], "dropped events:");
        }
        var ids = new HashSet<int>();
        for (var id = 0; id < seen.Length; id++)
            if (seen[id]) ids.Add(id);
        // GetResult, not Result: a failed read surfaces as itself (an IOException), not wrapped.
        var (cmdlines, tgids) = hostTables.GetAwaiter().GetResult();
        return new RawCapture
        {
            HeaderPage = headerPage,
            HeaderEvent = File.ReadAllBytes(Path.Combine(events, "header_event")),
            Layout = layout,
            Cpus = cpus,
            Formats = catalog.Find(ids),
            SavedCmdlines = OnlyPids(cmdlines, pids),
            SavedTgids = OnlyPids(tgids, pids),
            TraceClock = ReadText(instance.FilePath("trace_clock")),
            CpuStats = stats,
            LostEvents = lost,
            Events = count,
        };
    }

    /// <summary>The lines ("PID rest") of a kernel table whose PID has events in the pages. The
    /// tables are the whole host's: the rest would tell the container's owner, who reads the saved
    /// trace, the names of other tenants' and the host's processes.</summary>
    internal static byte[] OnlyPids(byte[] table, IReadOnlySet<int> pids)
    {
        var kept = new MemoryStream();
        var rest = table.AsSpan();
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..(end + 1)];
            rest = end < 0 ? [] : rest[(end + 1)..];
            var space = line.IndexOf((byte)' ');
            if (space > 0 && int.TryParse(line[..space], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pids.Contains(pid))
            {
                kept.Write(line);
                if (end < 0) kept.WriteByte((byte)'\n');
            }
        }
        return kept.ToArray();
    }

    internal static IEnumerable<int> CpuNumbers(string perCpu)
    {
        if (!Directory.Exists(perCpu)) return [];
        return Directory.EnumerateDirectories(perCpu, "cpu*")
            .Select(d => int.TryParse(Path.GetFileName(d).AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0).Order();
    }

    /// <summary>Reads whole pages until the kernel has none left (EAGAIN): a non-blocking read
    /// of trace_pipe_raw hands out one page per call. <paramref name="earlier"/> pages come first.</summary>
    private static CpuPages ReadCpu(string path, int cpu, int pageSize, List<byte[]> earlier)
    {
        using var handle = OpenPipe(path);
        // Room for the whole ring buffer (and the reader's page) at once: growing by doubling copied
        // every page again and touched twice the memory.
        var room = BufferPages(Path.Combine(Path.GetDirectoryName(path)!, "buffer_size_kb"), pageSize) + 2;
        var pages = Joined(cpu, earlier, pageSize, room);
        return ReadAvailable(handle, path, pages, pageSize);
    }

    /// <summary>How many pages a CPU's ring buffer holds (its buffer_size_kb), or 16 when unknown.</summary>
    private static int BufferPages(string bufferSizeKb, int pageSize)
    {
        var text = ReadText(bufferSizeKb).Trim();
        // "1408" or, before the buffer was first used, "7 (expanded: 1408)".
        var expanded = text.IndexOf("expanded: ", StringComparison.Ordinal);
        if (expanded >= 0) text = text[(expanded + 10)..].TrimEnd(')');
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) && kb > 0
            ? (int)Math.Min(kb * 1024 / pageSize, Array.MaxLength / pageSize / 2) : 16;
    }

    /// <summary>Opens a CPU's trace_pipe_raw without blocking.</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle OpenPipe(string path)
    {
        if (!Interop.TryOpen(path, Interop.OpenFlags.O_RDONLY | Interop.O_NONBLOCK | Interop.OpenFlags.O_CLOEXEC, 0,
                out var handle, out var openErrno))
        {
            handle.Dispose();
            throw new HookException($"cannot read the raw trace: {new SyscallException("open", path, openErrno).Message}");
        }
        return handle;
    }

    /// <summary>Appends every page the kernel has now to <paramref name="pages"/>.</summary>
    public static CpuPages ReadAvailable(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string path, CpuPages pages, int pageSize)
    {
        var buffer = pages.Buffer;
        var length = pages.Length;
        while (true)
        {
            if (buffer.Length - length < pageSize) Array.Resize(ref buffer, Math.Max(buffer.Length * 2, pageSize * 16));
            var n = Interop.Read(handle, buffer.AsSpan(length, pageSize), out var errno);
            if (n > 0)
            {
                // A short read still stands for a whole page: the rest of it is zero.
                buffer.AsSpan(length + (int)n, pageSize - (int)n).Clear();
                length += pageSize;
                continue;
            }
            if (n == 0) break;
            if (errno == Interop.EINTR) continue;
            if (errno == Interop.EAGAIN) break;
            var error = new SyscallException("read", path, errno);
            throw new HookException($"cannot read the raw trace: {error.Message}", error);
        }
        return new CpuPages(pages.Cpu, buffer, length);
    }

    /// <summary>Pages back to back in one buffer, with room for <paramref name="room"/> more.</summary>
    private static CpuPages Joined(int cpu, List<byte[]> pages, int pageSize, int room = 0)
    {
        // Not zeroed: every page is written whole before it counts (a short read's rest is cleared).
        var buffer = GC.AllocateUninitializedArray<byte>((pages.Count + room) * pageSize);
        for (var i = 0; i < pages.Count; i++) pages[i].CopyTo(buffer, i * pageSize);
        return new CpuPages(cpu, buffer, pages.Count * pageSize);
    }

    private static long Stat(string stats, string key)
    {
        foreach (var line in stats.Split('\n'))
        {
            if (line.StartsWith(key, StringComparison.Ordinal)
                && long.TryParse(line.AsSpan(key.Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                return n;
        }
        return 0;
    }

    private static string ReadText(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    private static byte[] ReadBytes(string path) => File.Exists(path) ? File.ReadAllBytes(path) : [];
}
