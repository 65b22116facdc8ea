using OciFtraceHook.Decoding;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tables;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Export;

/// <summary>The syscalls a trace shows were called, the architecture it was recorded on, and how many
/// events it lost (a trace with lost events may miss calls). Evidence of a call is its enter event,
/// or an exit that returned no error: a call the container's seccomp filter refused leaves an exit
/// event only, with its error (the filter runs before the enter tracepoint; checked on 6.18 with
/// runc), and a profile built from it would allow what was refused.</summary>
internal sealed class TraceSyscalls
{
    public HashSet<string> Events { get; } = new(StringComparer.Ordinal);
    public TraceArch? Arch { get; private set; }
    public long Lost { get; private set; }
    /// <summary>What to say once on stderr about the inputs (see TraceDecoder.Notes).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Reads a trace.dat or a text trace, whichever <paramref name="input"/> holds.</summary>
    public void Read(Stream input, string what) => TraceInput.Read(input, what, ReadBinary, Read);

    private void ReadBinary(TraceDatFile file)
    {
        long counted = 0;
        var events = new TraceDatEvents(file, file.Metadata?.ContainerId ?? "trace.dat");
        events.Read(e =>
        {
            if (IsEvidence(e)) Events.Add(e.Name);
            else if (e.Kind == TraceEventKind.LostEvents) counted += e.Lost;
        });
        if (events.Unknown.Count > 0) Notes.Add($"{events.Unknown.Values.Sum()} events have no format in the file and are not counted");
        Lost += file.Metadata?.LostEvents ?? counted;
        UseArch(file.Arch);
    }

    public void Read(TextReader input)
    {
        var parser = new TraceLineParser();
        var e = new TraceEvent();
        TraceArch? arch = null;
        long lost = 0;
        var sawEvent = false;
        if (!Notes.Contains(TraceDecoder.TextNote)) Notes.Add(TraceDecoder.TextNote);
        TraceTextLines.ForEach(input, line =>
        {
            // Only the header before the first event counts (see TraceDecoder.Line).
            if (!sawEvent)
            {
                arch = TextSave.ReadArch(line) ?? arch;
                lost += TextSave.ReadLost(line) ?? 0;
                if (TextSave.ReadKernel(line) is { } release) parser.Format = TraceTextFormatDetection.FromKernelRelease(release);
            }
            if (line.Length > 0 && line[0] == '#') return;
            if (!parser.TryParse(line, e)) return;
            sawEvent = true;
            if (IsEvidence(e)) Events.Add(e.Name);
            else if (e.Kind == TraceEventKind.LostEvents) lost += e.Lost;
        });
        Lost += lost;
        UseArch(arch);
    }

    /// <summary>An enter, or an exit with a result that is no error (-4095..-1): the call ran. An
    /// exit with an error whose enter the trace holds was counted at its enter.</summary>
    private static bool IsEvidence(TraceEvent e) =>
        e.Kind == TraceEventKind.SyscallEnter || (e.Kind == TraceEventKind.SyscallExit && e.Return is not (>= -4095 and <= -1));

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
