using System.Globalization;
using OciFtraceHook.Logging;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tables;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Decoding;

/// <summary>Turns a trace (ftrace's text, or a trace.dat's events) into strace-like lines, a summary
/// or an export, streaming: events in, records out, with no more state than the calls still open.
/// Comment lines at the top say which architecture recorded it and how many events were lost.</summary>
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

    /// <summary>What the caller should say once on stderr about this input (events it could not read,
    /// text a container could have shaped).</summary>
    public List<string> Notes { get; } = [];

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
            // Only the header before the first event counts: a later '#' line may be the rest of a
            // marker the container wrote with a newline in it.
            if (!_sawEvent) Header(line);
            return;
        }
        if (!_parser.TryParse(line, _event))
        {
            // Not an event: counted, the first one shown once (Finish), never a reason to stop.
            if (!line.Trim().IsEmpty && _badLines++ == 0) _firstBadLine = Printable.Line(line, 160);
            return;
        }
        _sawEvent = true;
        (_pairer ?? Start()).Add(_event);
    }

    public void Finish()
    {
        if (_badLines > 0)
            Notes.Add($"{_badLines.ToString(CultureInfo.InvariantCulture)} lines are not ftrace events and were skipped (the first: {_firstBadLine})");
        if (SkippedLongLines > 0)
            Notes.Add($"{SkippedLongLines.ToString(CultureInfo.InvariantCulture)} lines longer than {TraceTextLines.MaxLine / 1024} KiB were skipped");
        (_pairer ?? Start()).Finish();
        _sink!.Finish(LostFromHeader);
        _output.Flush();
    }

    public void Flush() => _output.Flush();

    /// <summary>Said of every text trace: ftrace prints a marker's newline as it is.</summary>
    public const string TextNote = "this trace is ftrace's text, which the container could have shaped: a trace_marker write " +
                                   "with a newline prints as a line of its own that reads like an event, a header or a lost-events count " +
                                   "(a trace.dat keeps what it wrote apart from its calls)";

    public void Run(TextReader input)
    {
        Notes.Add(TextNote);
        SkippedLongLines += TraceTextLines.ForEach(input, Line);
        Finish();
    }

    /// <summary>Decodes a trace.dat: the architecture and lost-event count come from the file
    /// (the hook's own option; else its uname, and the pages' lost-event marks).</summary>
    public void Run(TraceDatFile file, string what)
    {
        var counted = Feed(file, what);
        LostFromHeader = file.Metadata?.LostEvents ?? counted;
        Finish();
    }

    /// <summary>One more part of a trace.dat, as `show --follow` reads it: calls stay open across
    /// parts, and the lost events the pages mark add up. Returns the count the pages marked.</summary>
    public long FeedPart(TraceDatFile file, string what)
    {
        var counted = Feed(file, what);
        LostFromHeader += counted;
        return counted;
    }

    private long Feed(TraceDatFile file, string what)
    {
        _arch ??= file.Arch;
        if (file.Metadata?.Paths is { } paths) PathsMissing ??= TextSave.ReadPathsMissing(TextSave.PathsHeader + paths);
        long counted = 0;
        // 6.19+'s own strings are data only where the hook let the kernel copy them (as in text).
        var events = new TraceDatEvents(file, what, kernelStrings: file.Metadata?.Paths is not { } note || note == "kernel");
        events.Read(e =>
        {
            if (e.Kind == TraceEventKind.LostEvents) counted += e.Lost;
            (_pairer ?? Start()).Add(e);
        });
        foreach (var (id, count) in events.Unknown.OrderBy(u => u.Key))
            Notes.Add($"{count.ToString(CultureInfo.InvariantCulture)} events of type {id.ToString(CultureInfo.InvariantCulture)} have no format in the file and are not shown");
        return counted;
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
    public void UsePathsNote(string note) => Header(TextSave.PathsHeader + note);

    /// <summary>"# oci-ftrace-hook: arch arm64", "# oci-ftrace-hook: kernel 6.1.0-56-amd64" (how
    /// arguments print), "# oci-ftrace-hook: paths: kprobes" (whether 6.19+'s own strings are data),
    /// "# oci-ftrace-hook: lost events: N" (saved traces)
    /// and ftrace's "# entries-in-buffer/entries-written: A/B" (B - A were overwritten).</summary>
    private void Header(ReadOnlySpan<char> line)
    {
        if (line.StartsWith("# oci-ftrace-hook: "))
        {
            _arch ??= TextSave.ReadArch(line);
            PathsMissing ??= TextSave.ReadPathsMissing(line);
            // On 6.19+ the kernel's own strings are data only where the hook let it copy them.
            if (line.StartsWith(TextSave.PathsHeader)) _parser.KernelStrings = line[TextSave.PathsHeader.Length..].Trim().SequenceEqual("kernel");
            if (TextSave.ReadKernel(line) is { } release
                && TraceTextFormatDetection.FromKernelRelease(release) is var format and not TraceTextFormat.Unknown)
                _parser.Format = format;
            if (TextSave.ReadLost(line) is { } lost)
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

    /// <summary>Lines dropped for their length (the caller adds those a LineSplitter dropped).</summary>
    public long SkippedLongLines { get; set; }

    private bool _lostFromOurHeader;
    private long _badLines;
    private string _firstBadLine = "";
    private bool _sawEvent;
}
