using System.Globalization;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Decoding;

/// <summary>Turns ftrace text into strace-like lines or a summary, streaming: lines in, records
/// out, with no more state than the calls still open. Comment lines at the top say which
/// architecture recorded it and how many events the buffer lost.</summary>
internal sealed class TraceDecoder
{
    private readonly DecodeOptions _options;
    private readonly TextWriter _output;
    private readonly TraceLineParser _parser = new();
    private readonly TraceEvent _event = new();
    private CallPairer? _pairer;
    private IRecordSink? _sink;
    private TraceArch? _arch;

    /// <summary>Events lost per the header (overwritten before anyone read them).</summary>
    public long LostFromHeader { get; private set; }

    public long Records { get; private set; }

    /// <summary>Why the trace holds no file paths, when its header says it was recorded without them.</summary>
    public string? PathsMissing { get; private set; }

    public TraceDecoder(DecodeOptions options, TextWriter output)
    {
        _options = options;
        _output = output;
        _arch = options.Arch;
    }

    public void Line(ReadOnlySpan<char> line)
    {
        if (line.Length > 0 && line[0] == '#')
        {
            Header(line);
            return;
        }
        if (!_parser.TryParse(line, _event)) return;
        (_pairer ?? Start()).Add(_event);
    }

    public void Finish()
    {
        (_pairer ?? Start()).Finish();
        _sink!.Finish(LostFromHeader);
        _output.Flush();
    }

    public void Flush() => _output.Flush();

    public void Run(TextReader input)
    {
        TraceTextLines.ForEach(input, Line);
        Finish();
    }

    /// <summary>Decodes a trace.dat: the architecture and lost-event count come from the file
    /// (the hook's own option; else its uname, and the pages' lost-event marks).</summary>
    public void Run(TraceDatFile file, string what)
    {
        _arch ??= file.Arch;
        if (file.Metadata?.Paths is { } paths) PathsMissing ??= TraceArchive.ReadPathsMissing(TraceArchive.PathsHeader + paths);
        long counted = 0;
        new TraceDatEvents(file, what).Read(e =>
        {
            if (e.Kind == TraceEventKind.LostEvents) counted += e.Lost;
            (_pairer ?? Start()).Add(e);
        });
        LostFromHeader = file.Metadata?.LostEvents ?? counted;
        Finish();
    }

    private CallPairer Start()
    {
        var arch = _arch ?? TraceArchNames.Host;
        _parser.Arch = arch;
        var formatter = new CallFormatter(arch, _options.Durations);
        var filter = new CallFilter(_options.Trace, _options.FailedOnly, _options.Pids, arch);
        _sink = _options.Summary ? new SummarySink(formatter, _output)
            : _options.CreateSink is { } create ? create(formatter, _output)
            : new TextSink(formatter, _output, splitInterleaved: !_options.FailedOnly);
        var sink = _sink;
        return _pairer = new CallPairer(filter.Shows, r =>
        {
            sink.Write(r);
            Records++;
        }, sink.SplitsInterleaved);
    }

    /// <summary>How a live instance's paths are recorded (its record's note: "kprobes", "kernel",
    /// "off", "none: WHY"), as a saved trace's header says it.</summary>
    public void UsePathsNote(string note) => Header(TraceArchive.PathsHeader + note);

    /// <summary>"# oci-ftrace-hook: arch arm64", "# oci-ftrace-hook: kernel 6.1.0-56-amd64" (how
    /// arguments print), "# oci-ftrace-hook: paths: kprobes" (whether 6.19+'s own strings are data),
    /// "# oci-ftrace-hook: lost events: N" (saved traces)
    /// and ftrace's "# entries-in-buffer/entries-written: A/B" (B - A were overwritten).</summary>
    private void Header(ReadOnlySpan<char> line)
    {
        if (line.StartsWith("# oci-ftrace-hook: "))
        {
            _arch ??= TraceArchive.ReadArch(line);
            PathsMissing ??= TraceArchive.ReadPathsMissing(line);
            // On 6.19+ the kernel's own strings are data only where the hook let it copy them.
            if (line.StartsWith(TraceArchive.PathsHeader)) _parser.KernelStrings = line[TraceArchive.PathsHeader.Length..].Trim().SequenceEqual("kernel");
            if (TraceArchive.ReadKernel(line) is { } release
                && TraceTextFormats.FromKernelRelease(release) is var format and not TraceTextFormat.Unknown)
                _parser.Format = format;
            if (TraceArchive.ReadLost(line) is { } lost)
            {
                LostFromHeader = lost;
                _lostFromOurHeader = true;
            }
            return;
        }
        const string Entries = "# entries-in-buffer/entries-written: ";
        if (line.StartsWith(Entries) && !_lostFromOurHeader)
        {
            var numbers = line[Entries.Length..];
            var slash = numbers.IndexOf('/');
            var space = numbers.IndexOf(' ');
            if (slash > 0 && space > slash
                && long.TryParse(numbers[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var inBuffer)
                && long.TryParse(numbers[(slash + 1)..space], NumberStyles.None, CultureInfo.InvariantCulture, out var written))
                LostFromHeader += Math.Max(0, written - inBuffer);
        }
    }

    private bool _lostFromOurHeader;
}
