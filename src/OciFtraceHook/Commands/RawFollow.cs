using OciFtraceHook.Decoding;
using OciFtraceHook.HostFiles;
using OciFtraceHook.Records;
using OciFtraceHook.Tables;
using OciFtraceHook.TraceDat;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Commands;

/// <summary>`show --follow` from the ring buffer's own pages: each CPU's trace_pipe_raw is read
/// without blocking, the pages are spooled raw (reading consumes them; the trace.dat saved when the
/// container ends puts them back) and decoded as the saved trace is, so nothing the container
/// writes reads as an event here either.</summary>
internal static class RawFollow
{
    public static void Run(TraceInstance instance, InstanceRecord? record, InstanceRecords records, TraceDecoder decoder,
        TextWriter error, Func<bool> stopRequested)
    {
        var (headerPage, layout) = RawCaptureReader.ReadLayout(instance);
        var catalog = new EventFormatCatalog(Path.Combine(instance.TraceFs.Root, "events"), EventFormatCatalog.DefaultCachePath);
        var perCpu = instance.FilePath("per_cpu");
        var pipes = RawCaptureReader.CpuNumbers(perCpu)
            .Select(cpu => (Cpu: cpu, Path: Path.Combine(perCpu, $"cpu{cpu}", "trace_pipe_raw")))
            .Select(p => (p.Cpu, p.Path, Handle: RawCaptureReader.OpenPipe(p.Path))).ToList();
        try
        {
            records.EnsureDir();
            // Bounded by the instance's own ring buffer: /run is memory.
            var spoolCap = record is { RingBufferBytes: > 0 } r ? Math.Max(r.RingBufferBytes, 1L << 20) : 16L << 20;
            var metadata = new TraceDatMetadata
            {
                ContainerId = record?.ContainerId ?? instance.Name, Instance = instance.Name,
                Arch = TraceArchNames.Name(TraceArchNames.Host), Paths = record?.Paths,
            };
            var spoolFullSaid = false;
            var idle = 0;
            while (!stopRequested())
            {
                var round = new List<CpuPages>();
                using (var spool = PageSpool.Open(records.SpoolPath(instance.Name), layout.PageSize, spoolCap, create: true)!)
                {
                    foreach (var (cpu, path, handle) in pipes)
                    {
                        var pages = RawCaptureReader.ReadAvailable(handle, path, new CpuPages(cpu, [], 0), layout.PageSize);
                        if (pages.Length == 0) continue;
                        round.Add(pages);
                        for (var at = 0; at < pages.Length; at += layout.PageSize) spool.Append(cpu, pages.Buffer.AsSpan(at, layout.PageSize));
                    }
                    if (round.Count == 0) spool.DeleteIfEmpty();
                    if (spool.Full && !spoolFullSaid)
                    {
                        error.WriteLine("oci-ftrace-hook: the follow spool is full: later events shown here are not in the trace saved when the container ends");
                        spoolFullSaid = true;
                    }
                }
                if (round.Count > 0)
                {
                    Decode(instance, catalog, headerPage, layout, round, metadata, decoder);
                    idle = 0;
                    continue;
                }
                // Nothing to read: is the container still there? Drain once more after it is gone.
                if (!instance.Exists || (record is not null && !record.InitIsAlive()))
                {
                    if (++idle > 1) break;
                }
                decoder.Flush();
                Thread.Sleep(100);
            }
        }
        finally
        {
            foreach (var pipe in pipes) pipe.Handle.Dispose();
        }
        decoder.Finish();
    }

    /// <summary>A round's pages, written as a trace.dat in memory and decoded as one part.</summary>
    private static void Decode(TraceInstance instance, EventFormatCatalog catalog, byte[] headerPage, PageLayout layout,
        List<CpuPages> round, TraceDatMetadata metadata, TraceDecoder decoder)
    {
        var capture = RawCaptureReader.FromPages(instance, catalog, headerPage, layout, round);
        var file = new MemoryStream();
        TraceDatWriter.Write(file, capture, metadata with { LostEvents = capture.LostEvents }, HostKernel.Uname());
        decoder.FeedPart(TraceDatFile.Open(file, "trace_pipe_raw"), instance.Name);
    }
}
