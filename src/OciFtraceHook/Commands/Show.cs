using OciFtraceHook.Decoding;
using OciFtraceHook.Export;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Commands;

/// <summary>show: a container's trace as strace-like lines (or a summary), from its live instance,
/// its saved trace, a file, or stdin; with --follow, streamed from trace_pipe while it runs.</summary>
internal static class Show
{
    /// <param name="host">hook.conf: the save directories to search.</param>
    /// <param name="records">The records of live instances.</param>
    public static int Run(ShowArguments parsed, TextWriter output, TextWriter error, Stream stdin, HookConf host, InstanceRecords records)
    {
        var decoder = new TraceDecoder(ExportSinks.WithSink(parsed.Options), output);
        if (parsed.File is "-" || (parsed.File is null && parsed.Container is null))
        {
            TraceInput.Decode(stdin, decoder, "stdin");
            return SayWhyNoPaths(decoder, error);
        }
        if (parsed.File is not null)
        {
            using var reader = OpenFile(parsed.File);
            TraceInput.Decode(reader.BaseStream, decoder, parsed.File);
            return SayWhyNoPaths(decoder, error);
        }
        var search = Search(host, records, parsed.SaveDir);
        if (parsed.Follow)
        {
            var instance = LiveInstance(search.ResolveContainerId(parsed.Container!), records)
                           ?? throw new HookException($"container {parsed.Container} has no live instance to follow");
            var code = Follow(instance, records, decoder, error);
            return SayWhyNoPaths(decoder, error) | code;
        }
        using (var reader = OpenContainer(parsed.Container!, search, records, decoder.UsePathsNote, error.WriteLine)) TraceInput.Decode(reader.BaseStream, decoder, parsed.Container!);
        return SayWhyNoPaths(decoder, error);
    }

    /// <summary>Once, on stderr: what the decoder noted of its input, and why a trace recorded
    /// without paths shows addresses.</summary>
    private static int SayWhyNoPaths(TraceDecoder decoder, TextWriter error)
    {
        foreach (var note in decoder.Notes) error.WriteLine($"oci-ftrace-hook: {note}");
        if (decoder.PathsMissing is { } why) error.WriteLine($"oci-ftrace-hook: paths are shown as addresses: {Printable.Line(why)}");
        return 0;
    }

    /// <summary>Saved traces are looked for in the directory the user named, then hook.conf's.</summary>
    internal static SavedTraceSearch Search(HookConf host, InstanceRecords records, string? extraDir) =>
        new(extraDir is null ? host.SaveDirs : [extraDir, .. host.SaveDirs], records);

    /// <summary>A container's trace: its live instance while it runs, else its newest saved trace.
    /// A live one has no header: <paramref name="pathsNote"/> gets its record's note on paths.</summary>
    /// <param name="waitNote">Told once, when the wait for a save under way passes a second.</param>
    internal static StreamReader OpenContainer(string query, SavedTraceSearch search, InstanceRecords records, Action<string>? pathsNote = null,
        Action<string>? waitNote = null)
    {
        var id = search.ResolveContainerId(query);
        WaitForPendingSave(id, records, waitNote, TimeSpan.FromSeconds(1));
        if (LiveInstance(id, records) is { } instance && TryOpenLive(instance) is { } live)
        {
            if (records.Read(instance.Name)?.Paths is { } note) pathsNote?.Invoke(note);
            return live;
        }
        var saved = search.FindNewest(id)
                    ?? throw new HookException($"no live instance and no saved trace for container {id} " +
                                               $"(looked for {SavedTraceNames.Pattern(InstanceName.For(id) + "-*")} in {string.Join(", ", search.SaveDirs)})");
        return OpenFile(saved);
    }

    /// <summary>A container that has just ended has its trace saved by poststop's detached gc a
    /// moment after the runtime returns: waits for that save rather than show an older trace of the
    /// same id, or none. Bounded by the record's own deadline for a save; past <paramref name="noteAfter"/>
    /// it says why it waits (the save is normally done in milliseconds: its process may have died).</summary>
    internal static void WaitForPendingSave(string id, InstanceRecords records, Action<string>? note, TimeSpan noteAfter)
    {
        var noteAt = DateTime.UtcNow + noteAfter;
        while (records.OfContainer(id).FirstOrDefault(r => r.Record.SavePending(DateTimeOffset.UtcNow)).Record is { } pending)
        {
            if (note is not null && DateTime.UtcNow >= noteAt)
            {
                note($"oci-ftrace-hook: waiting for the trace of {Printable.Line(id)} to be saved (the container ended at " +
                     $"{pending.StoppedAt:HH:mm:ss} UTC; for {(int)InstanceRecord.SaveDeadline.TotalMinutes} minutes at most). " +
                     "If no 'oci-ftrace-hook gc' is running, run one: it saves the trace now.");
                note = null;
            }
            Thread.Sleep(10);
        }
    }

    /// <summary>The instance of the id's running start (the newest, should there be several); null
    /// once poststop has saved its trace (the instance then only waits to be removed), and for a
    /// start whose init has ended.</summary>
    private static TraceInstance? LiveInstance(string id, InstanceRecords records)
    {
        var own = records.OfContainer(id)
            .Where(r => r.Record.Phase() == RecordPhase.Tracing).Select(r => r.Name).FirstOrDefault();
        var instance = own is null ? null : TraceFs.OnHost()?.Instance(own);
        return instance is not null && instance.Exists ? instance : null;
    }

    /// <summary>The live trace, or null when the instance went away meanwhile (the container ended).</summary>
    private static StreamReader? TryOpenLive(TraceInstance instance)
    {
        try
        {
            return new StreamReader(new FileStream(instance.FilePath("trace"), FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16),
                Printable.Utf8KeepingBadBytes, false, 1 << 16);
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
                Printable.Utf8KeepingBadBytes, false, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HookException($"cannot read {path}: {e.Message}", e);
        }
    }

    /// <summary>Reads the ring buffer's pages (or, where tracefs has none to read, trace_pipe's
    /// text) without blocking, so the end of the container (its record's process gone, or its
    /// instance removed) and Ctrl-C are noticed between reads.</summary>
    private static int Follow(TraceInstance instance, InstanceRecords records, TraceDecoder decoder, TextWriter error)
    {
        var record = records.Read(instance.Name);
        var stop = false;
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop = true;
        };
        if (File.Exists(Path.Combine(instance.TraceFs.Root, "events", "header_page")))
        {
            RawFollow.Run(instance, record, records, decoder, error, () => stop);
            return 0;
        }
        if (record?.Paths is { } note) decoder.UsePathsNote(note);
        decoder.Notes.Add(TraceDecoder.TextNote);
        var path = instance.FilePath("trace_pipe");
        using var pipe = Interop.Open(path, Interop.OpenFlags.O_RDONLY | Interop.O_NONBLOCK | Interop.OpenFlags.O_CLOEXEC, "open");
        // What trace_pipe hands out leaves the ring buffer: it is kept for the trace saved after the container ends.
        records.EnsureDir();
        // Bounded by the instance's own ring buffer: /run is memory.
        var spoolCap = record is { RingBufferBytes: > 0 } r ? Math.Max(r.RingBufferBytes, 1L << 20) : 16L << 20;
        using var followed = new FollowSpool(records.FollowedPath(instance.Name), spoolCap);
        var lines = new LineSplitter(decoder.Line);
        var buffer = new byte[1 << 16];
        var idle = 0;
        while (!stop)
        {
            var n = Interop.Read(pipe, buffer, out var errno);
            if (n > 0)
            {
                followed.Write(buffer.AsSpan(0, (int)n));
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
        decoder.SkippedLongLines += lines.Skipped;
        decoder.Finish();
        return 0;
    }
}
