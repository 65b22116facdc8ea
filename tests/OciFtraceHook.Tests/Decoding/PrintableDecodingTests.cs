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
    public void Lines_end_at_newlines_only_whatever_their_length()
    {
        var seen = new List<string>();
        var longLine = new string('x', 200_000);
        TraceTextLines.ForEach(new StringReader($"a\rb\n{longLine}\n\nlast"), line => seen.Add(line.ToString()));
        Assert.That(seen, Is.EqualTo(new[] { "a\rb", longLine, "", "last" }));
    }
}
