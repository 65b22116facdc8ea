using OciFtraceHook.Decoding;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Export;

/// <summary>The syscalls a trace shows (enter or exit events), the architecture it was recorded on,
/// and how many events it lost (a trace with lost events may miss calls).</summary>
internal sealed class TraceSyscalls
{
    public HashSet<string> Events { get; } = new(StringComparer.Ordinal);
    public TraceArch? Arch { get; private set; }
    public long Lost { get; private set; }

    /// <summary>Reads a trace.dat or a text trace, whichever <paramref name="input"/> holds.</summary>
    public void Read(Stream input, string what) => TraceInput.Read(input, what, ReadBinary, Read);

    private void ReadBinary(TraceDatFile file)
    {
        long counted = 0;
        new TraceDatEvents(file, file.Metadata?.ContainerId ?? "trace.dat").Read(e =>
        {
            if (e.Kind is TraceEventKind.SyscallEnter or TraceEventKind.SyscallExit) Events.Add(e.Name);
            else if (e.Kind == TraceEventKind.LostEvents) counted += e.Lost;
        });
        Lost += file.Metadata?.LostEvents ?? counted;
        UseArch(file.Arch);
    }

    public void Read(TextReader input)
    {
        var parser = new TraceLineParser();
        var e = new TraceEvent();
        TraceArch? arch = null;
        long lost = 0;
        TraceTextLines.ForEach(input, line =>
        {
            arch = TraceArchive.ReadArch(line) ?? arch;
            lost += TraceArchive.ReadLost(line) ?? 0;
            if (TraceArchive.ReadKernel(line) is { } release) parser.Format = TraceTextFormats.FromKernelRelease(release);
            if (!parser.TryParse(line, e)) return;
            if (e.Kind is TraceEventKind.SyscallEnter or TraceEventKind.SyscallExit) Events.Add(e.Name);
            else if (e.Kind == TraceEventKind.LostEvents) lost += e.Lost;
        });
        Lost += lost;
        UseArch(arch);
    }

    private void UseArch(TraceArch? arch)
    {
        if (arch is { } a)
        {
            if (Arch is { } known && known != a)
                throw new HookException($"the traces were recorded on different architectures ({TraceArchNames.Name(known)} and {TraceArchNames.Name(a)})");
            Arch = a;
        }
    }
}
