using OciFtraceHook.Decoding;

namespace OciFtraceHook.Export;

/// <summary>Chooses the export a decoder writes to: the decoder knows text and the summary; the
/// formats built on its records are plugged in from here.</summary>
internal static class ExportSinks
{
    public static DecodeOptions WithSink(DecodeOptions options) => options.Format switch
    {
        OutputFormat.Json => options with { CreateSink = (formatter, output) => new JsonLinesSink(formatter, output) },
        OutputFormat.Chrome => options with { CreateSink = (formatter, output) => new ChromeTraceSink(formatter, output) },
        _ => options,
    };
}
