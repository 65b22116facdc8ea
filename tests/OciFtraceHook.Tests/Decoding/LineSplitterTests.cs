using System.Text;
using OciFtraceHook.Decoding;

namespace OciFtraceHook.Tests.DecodingTests;

public class LineSplitterTests
{
    private static List<string> Split(IEnumerable<byte[]> chunks, bool finish = true)
    {
        var lines = new List<string>();
        var splitter = new LineSplitter(line => lines.Add(line.ToString()));
        foreach (var chunk in chunks) splitter.Add(chunk);
        if (finish) splitter.Finish();
        return lines;
    }

    [Test]
    public void Lines_in_one_chunk()
    {
        Assert.That(Split([Encoding.UTF8.GetBytes("a\nbc\n\nd\n")]), Is.EqualTo(new[] { "a", "bc", "", "d" }));
    }

    [Test]
    public void A_line_cut_across_reads_is_whole()
    {
        var bytes = Encoding.UTF8.GetBytes("first line\nsecond line\n");
        var chunks = new[] { bytes[..3], bytes[3..14], bytes[14..15], bytes[15..] };
        Assert.That(Split(chunks), Is.EqualTo(new[] { "first line", "second line" }));
    }

    [Test]
    public void Every_way_of_cutting_a_multibyte_text_gives_the_same_lines()
    {
        const string text = "tracing_mark_write: caf\u00e9 \u2713 \U0001F600\nnext\n";
        var bytes = Encoding.UTF8.GetBytes(text);
        Assert.Multiple(() =>
        {
            for (var cut = 1; cut < bytes.Length; cut++)
                Assert.That(Split([bytes[..cut], bytes[cut..]]), Is.EqualTo(new[] { "tracing_mark_write: caf\u00e9 \u2713 \U0001F600", "next" }), $"cut at {cut}");
        });
    }

    [Test]
    public void One_byte_at_a_time()
    {
        var bytes = Encoding.UTF8.GetBytes("x\u00e9y\nz\n");
        Assert.That(Split(bytes.Select(b => new[] { b })), Is.EqualTo(new[] { "x\u00e9y", "z" }));
    }

    [Test]
    public void A_last_line_without_newline_comes_at_finish_only()
    {
        var chunks = new[] { Encoding.UTF8.GetBytes("a\npartial") };
        Assert.Multiple(() =>
        {
            Assert.That(Split(chunks, finish: false), Is.EqualTo(new[] { "a" }));
            Assert.That(Split(chunks), Is.EqualTo(new[] { "a", "partial" }));
        });
    }

    [Test]
    public void A_line_longer_than_the_buffer()
    {
        var longLine = new string('x', 10_000);
        Assert.That(Split([Encoding.UTF8.GetBytes(longLine + "\nshort\n")]), Is.EqualTo(new[] { longLine, "short" }));
    }
}
