using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.DecodingTests;

/// <summary>Marker text is the container's: decoded, it is escaped, and a carriage return in it
/// neither ends the line nor starts a fake one.</summary>
public class PrintableDecodingTests
{
    private static string[] Decode(string trace)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer).Run(new StringReader(trace));
        return writer.ToString().TrimEnd('\n').Split('\n');
    }

    [Test]
    public void A_marker_with_escape_sequences_and_a_carriage_return_is_one_escaped_line()
    {
        var lines = Decode("           sh-500     [000] ...1.  2000.000001: tracing_mark_write: A\u001b]0;owned\u0007B\r# oci-ftrace-hook: arch arm64\u007f\n" +
                           "           sh-500     [000] .....  2000.000002: sys_close(fd: 0x3)\n" +
                           "           sh-500     [000] .....  2000.000003: sys_close -> 0x0\n");
        Assert.That(lines, Is.EqualTo(new[]
        {
            @"2000.000001 500 --- trace_marker: A\33]0;owned\7B\r# oci-ftrace-hook: arch arm64\177 ---",
            "2000.000002 500 close(3) = 0",
        }));
    }

    [Test]
    public void Lines_end_at_newlines_only_and_one_too_long_is_skipped_to_its_end()
    {
        var seen = new List<string>();
        var longest = new string('y', TraceTextLines.MaxLine - 1);
        var tooLong = new string('x', 200_000);
        var skipped = TraceTextLines.ForEach(new StringReader($"a\rb\n{longest}\n{tooLong}\n\nlast"), line => seen.Add(line.ToString()));
        Assert.That(seen, Is.EqualTo(new[] { "a\rb", longest, "", "last" }));
        Assert.That(skipped, Is.EqualTo(1));
    }

    [Test]
    public void A_stream_without_newlines_is_bounded_in_lines_and_in_the_splitter()
    {
        var seen = new List<string>();
        var splitter = new LineSplitter(line => seen.Add(line.ToString()));
        var chunk = System.Text.Encoding.ASCII.GetBytes(new string('x', 10_000));
        for (var i = 0; i < 100; i++) splitter.Add(chunk); // 1 MB, no newline
        splitter.Add("\nnext\n"u8);
        splitter.Finish();
        Assert.That(seen, Is.EqualTo(new[] { "next" }));
        Assert.That(splitter.Skipped, Is.EqualTo(1));
    }

    [Test]
    public void A_bad_line_is_counted_and_shown_once_and_never_stops_the_decoder()
    {
        var writer = new StringWriter { NewLine = "\n" };
        var decoder = new TraceDecoder(new DecodeOptions { Arch = OciFtraceHook.Tables.TraceArch.X86_64 }, writer);
        decoder.Run(new StringReader(
            "  sh-1 [99999999999999999999] .....  1.000000: sys_close(fd: 0x3)\n" +
            "garbage\n" +
            "  sh-1 [000] .....  1.000001: sys_close(fd: 0x3)\n" +
            "  sh-1 [000] .....  1.000002: sys_close -> 0x0\n"));
        Assert.That(writer.ToString(), Does.Contain("close(3) = 0"));
        Assert.That(decoder.Notes, Has.Some.StartsWith("2 lines are not ftrace events and were skipped (the first:   sh-1 [99999999999999999999]"));
    }
}
