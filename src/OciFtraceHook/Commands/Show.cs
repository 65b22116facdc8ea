using System.Text;
using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Decoding;
using OciFtraceHook.Export;
using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;
using OciFtraceHook.SavedTraces;

namespace OciFtraceHook.Commands;

/// <summary>show: a container's trace as strace-like lines (or a summary), from its live instance,
/// its saved trace, a file, or stdin; with --follow, streamed from trace_pipe while it runs.</summary>
internal static class Show
{
    public static int Run(ShowArguments parsed, TextWriter output, TextWriter error, Stream stdin)
    {
        var decoder = new TraceDecoder(ExportSinks.WithSink(parsed.Options), output);
        if (parsed.File is "-" || (parsed.File is null && parsed.Container is null))
        {
            TraceInput.Decode(stdin, decoder, "stdin");
            return 0;
        }
        if (parsed.File is not null)
        {
            using var reader = OpenFile(parsed.File);
            TraceInput.Decode(reader.BaseStream, decoder, parsed.File);
            return 0;
        }
        if (parsed.Follow)
        {
            var instance = LiveInstance(ResolveContainerId(parsed.Container!, parsed.SaveDir))
                           ?? throw new HookException($"container {parsed.Container} has no live instance to follow");
            return Follow(instance, decoder);
        }
        using (var reader = OpenContainer(parsed.Container!, parsed.SaveDir)) TraceInput.Decode(reader.BaseStream, decoder, parsed.Container!);
        return 0;
    }

    /// <summary>A container's trace: its live instance while it runs, else its newest saved trace.</summary>
    internal static StreamReader OpenContainer(string query, string? saveDir)
    {
        var id = ResolveContainerId(query, saveDir);
        var name = InstanceName.For(id);
        if (LiveInstance(id) is { } instance && TryOpenLive(instance) is { } live) return live;
        var savedByPoststop = new InstanceRecords().Read(name)?.SavedTo;
        var saved = (savedByPoststop is not null && File.Exists(savedByPoststop) ? savedByPoststop : null)
                    ?? FindSaved(name, saveDir)
                    ?? throw new HookException($"no live instance and no saved trace for container {id} " +
                                               $"(looked for {name}-*.trace in {string.Join(", ", SaveDirs(saveDir))})");
        return OpenFile(saved);
    }

    /// <summary>The instance of a running container; null once poststop has saved its trace (the
    /// instance is then only waiting to be removed).</summary>
    private static TraceInstance? LiveInstance(string id)
    {
        var name = InstanceName.For(id);
        var mountPoint = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"));
        var instance = mountPoint is null ? null : new TraceFs(mountPoint).Instance(name);
        if (instance is null || !instance.Exists || new InstanceRecords().Read(name)?.SavedTo is not null) return null;
        return instance;
    }

    /// <summary>A full id as it is; otherwise the one container whose id starts with the query or
    /// whose name (where the engine gave one) is the query, among running and saved ones.</summary>
    internal static string ResolveContainerId(string query, string? saveDir)
    {
        var records = new InstanceRecords();
        if (IsPlainId(query) && (records.Read(InstanceName.For(query)) is not null || FindSaved(InstanceName.For(query), saveDir) is not null))
            return query;
        var matches = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var recordName in records.Names())
        {
            if (records.Read(recordName) is { } r && Matches(query, r.ContainerId, r.Name)) matches.Add(r.ContainerId);
        }
        foreach (var file in SaveDirs(saveDir).Where(Directory.Exists).SelectMany(d => Directory.EnumerateFiles(d, "*" + TraceArchive.Extension)))
        {
            var (id, containerName) = ReadOwner(file);
            if (id is not null && Matches(query, id, containerName)) matches.Add(id);
        }
        return matches.Count switch
        {
            1 => matches.Min!,
            0 when IsPlainId(query) => query, // reported as "no live instance and no saved trace" by the caller
            0 => throw new HookException($"no container has the id or name '{query}'"),
            _ => throw new HookException($"'{query}' matches several containers: {string.Join(", ", matches.Take(10))}"),
        };
    }

    private static bool IsPlainId(string text)
    {
        try
        {
            InstanceName.ValidateId(text);
            return true;
        }
        catch (HookException)
        {
            return false;
        }
    }

    private static bool Matches(string query, string id, string? name) =>
        id.StartsWith(query, StringComparison.Ordinal) || (name is not null && name == query);

    /// <summary>The container id and name from a saved trace's first lines.</summary>
    private static (string? Id, string? Name) ReadOwner(string file)
    {
        string? id = null, name = null;
        try
        {
            using (var stream = File.OpenRead(file))
            {
                Span<byte> start = stackalloc byte[10];
                if (TraceDatFormat.HasMagic(start[..stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false)]))
                {
                    var metadata = TraceDatFile.Open(stream, file).Metadata;
                    return (metadata?.ContainerId, metadata?.Name);
                }
            }
            foreach (var line in File.ReadLines(file).Take(4))
            {
                if (line.StartsWith(TraceArchive.ContainerHeader, StringComparison.Ordinal)) id = line[TraceArchive.ContainerHeader.Length..];
                else if (line.StartsWith(TraceArchive.NameHeader, StringComparison.Ordinal)) name = line[TraceArchive.NameHeader.Length..];
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or TraceDatException)
        {
        }
        return (id, name);
    }

    private static IEnumerable<string> SaveDirs(string? extra)
    {
        var host = HostDefaults.Load().SaveDir;
        return (extra is null ? new[] { host, HookSettings.DefaultSaveDir } : [extra, host, HookSettings.DefaultSaveDir]).Distinct();
    }

    /// <summary>The newest saved trace of an instance name (names end in a sortable UTC time).</summary>
    internal static string? FindSaved(string instanceName, string? extraDir) =>
        SaveDirs(extraDir).Where(Directory.Exists)
            .SelectMany(dir => Directory.EnumerateFiles(dir, instanceName + "-*" + TraceArchive.Extension))
            .OrderBy(File.GetLastWriteTimeUtc).ThenBy(Path.GetFileName, StringComparer.Ordinal)
            .LastOrDefault();

    /// <summary>The live trace, or null when the instance went away meanwhile (the container ended).</summary>
    private static StreamReader? TryOpenLive(TraceInstance instance)
    {
        try
        {
            return new StreamReader(new FileStream(instance.FilePath("trace"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16),
                Encoding.UTF8, false, 1 << 16);
        }
        catch (IOException)
        {
            return null; // ENODEV/ENOENT: removed between the check and the open
        }
    }

    internal static StreamReader OpenFile(string path)
    {
        try
        {
            return new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16),
                Encoding.UTF8, false, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HookException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>Reads trace_pipe without blocking, so the end of the container (its record's process
    /// gone, or its instance removed) and Ctrl-C are noticed between reads.</summary>
    private static int Follow(TraceInstance instance, TraceDecoder decoder)
    {
        var records = new InstanceRecords();
        var record = records.Read(instance.Name);
        var stop = false;
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop = true;
        };
        var path = instance.FilePath("trace_pipe");
        using var pipe = Interop.Open(path, Interop.OpenFlags.O_RDONLY | Interop.Libc.O_NONBLOCK | Interop.OpenFlags.O_CLOEXEC, "open");
        // What trace_pipe hands out leaves the ring buffer: it is kept for poststop's saved trace.
        Directory.CreateDirectory(records.Dir);
        using var followed = new FileStream(records.FollowedPath(instance.Name), FileMode.Append, FileAccess.Write, FileShare.Read);
        var lines = new LineSplitter(decoder.Line);
        var buffer = new byte[1 << 16];
        var idle = 0;
        while (!stop)
        {
            var n = Interop.Read(pipe, buffer, out var errno);
            if (n > 0)
            {
                followed.Write(buffer, 0, (int)n);
                lines.Add(buffer.AsSpan(0, (int)n));
                idle = 0;
                continue;
            }
            if (n < 0 && errno is not (Interop.EAGAIN or Interop.EINTR)) throw new SyscallException("read", path, errno);
            // Nothing to read: is the container still there? Drain once more after it is gone.
            if (!instance.Exists || (record is not null && !record.InitIsAlive()))
            {
                if (++idle > 1) break;
            }
            decoder.Flush();
            followed.Flush();
            Thread.Sleep(100);
        }
        lines.Finish();
        decoder.Finish();
        return 0;
    }
}
