using Microsoft.Win32.SafeHandles;
using OciFtraceHook.HostFiles;
using OciFtraceHook.Tables;
using OciFtraceHook.TraceDat;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.SavedTraces;

/// <summary>Saves an instance's ring buffer as a trace.dat (trace-cmd's format), copied raw from the
/// kernel's pages instead of read through the text the kernel formats: several times faster, and
/// half the size. Reading the pages consumes them, so a save that cannot be written (a full disk)
/// is kept whole as a pending file under /run, which the next try (gc) publishes; /run is memory,
/// shared with the runtimes' state, so pending files together stay within hook.conf's
/// max-pending-mb, and a save past it is dropped with a line saying so.</summary>
internal static class TraceDatSave
{
    /// <param name="dir">The save directory, opened (and checked) by handle: the file is created and
    /// renamed in that very directory, whatever its path has become meanwhile.</param>
    /// <param name="saveDir">Its path, for the name returned and for messages.</param>
    /// <param name="pending">Where a save that fails is kept for the next try, and where that try
    /// looks first.</param>
    /// <param name="lostEvents">Events lost, counted from the pages.</param>
    /// <param name="spool">Pages `show --follow` took out of the ring buffer, put back first.</param>
    /// <param name="maxPending">What all pending files under /run may hold together.</param>
    public static string Save(TraceInstance instance, string containerId, SafeFileHandle dir, string saveDir, DateTimeOffset now,
        string? containerName, string pending, EventFormatCatalog catalog, out long lostEvents, string? paths = null, string? spool = null,
        long maxPending = 64L << 20, string? tenant = null)
    {
        var baseName = TextSave.BaseName(instance.Name, containerName, now);
        if (File.Exists(pending)) return Publish(pending, dir, saveDir, baseName, out lostEvents);

        var capture = RawCaptureReader.Read(instance, catalog, spool);
        lostEvents = capture.LostEvents;
        var arch = TraceArchNames.Host;
        var metadata = new TraceDatMetadata
        {
            ContainerId = containerId,
            Name = containerName,
            Tenant = tenant,
            Instance = instance.Name,
            Arch = TraceArchNames.Name(arch),
            KernelRelease = HostKernel.Release(),
            SavedAt = now,
            LostEvents = capture.LostEvents,
            Paths = paths,
        };
        var uname = HostKernel.Uname();
        void Write(Stream output) => TraceDatWriter.Write(output, capture, metadata, uname);
        try
        {
            return AtomicSave.Create(dir, saveDir, baseName, SavedTraceNames.TraceDat, Write,
                new SavedTraceOwner.Owner(containerId, containerName, tenant is null ? null : TraceDatMetadata.OneLine(tenant)));
        }
        catch (Exception e) when (e is IOException or HookException or UnauthorizedAccessException)
        {
            var size = capture.Cpus.Sum(c => (long)c.Length);
            var waiting = PendingBytes(Path.GetDirectoryName(pending)!);
            if (waiting + size > maxPending)
                throw new SaveDroppedException($"cannot save the trace of {containerId} in {saveDir}: {e.Message}; dropped, as the saves waiting " +
                                        $"under {Path.GetDirectoryName(pending)} ({waiting >> 20} MiB) and this one ({(size + (1 << 20) - 1) >> 20} MiB) " +
                                        $"would pass max-pending-mb in hook.conf ({maxPending >> 20} MiB)", e);
            KeepPending(pending, Write);
            throw new HookException($"cannot save the trace of {containerId} in {saveDir}: {e.Message} " +
                                    $"(kept in {pending}; gc saves it again)", e);
        }
    }

    /// <summary>Moves a pending save into the save directory.</summary>
    private static string Publish(string pending, SafeFileHandle dir, string saveDir, string baseName, out long lostEvents)
    {
        lostEvents = 0;
        string saved;
        using (var input = File.OpenRead(pending))
        {
            var owner = SavedTraceOwner.Read(input);
            input.Position = 0;
            saved = AtomicSave.Create(dir, saveDir, baseName, SavedTraceNames.TraceDat, input.CopyTo, owner);
        }
        File.Delete(pending);
        return saved;
    }

    /// <summary>What the pending saves in <paramref name="dir"/> hold now.</summary>
    private static long PendingBytes(string dir) =>
        Directory.Exists(dir) ? new DirectoryInfo(dir).EnumerateFiles("*" + AbandonedSaves.PendingSuffix).Sum(f => f.Length) : 0;

    private static void KeepPending(string pending, Action<Stream> write)
    {
        try
        {
            var dirPath = Path.GetDirectoryName(pending)!;
            Directory.CreateDirectory(dirPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            using var dir = Interop.Open(dirPath, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_DIRECTORY | Interop.OpenFlags.O_NOFOLLOW | Interop.OpenFlags.O_CLOEXEC, "open");
            AtomicFile.Replace(dir, dirPath, Path.GetFileName(pending), write, durable: false); // /run: memory
        }
        catch (Exception e) when (e is IOException or HookException or UnauthorizedAccessException)
        {
            // Nowhere to keep it either: the trace is lost, and the caller's error says why.
        }
    }
}

/// <summary>A save that could not be written nor kept under /run: the pages read are gone, so
/// there is nothing left to save, and the instance may go.</summary>
internal sealed class SaveDroppedException(string message, Exception inner) : HookException(message, inner);
