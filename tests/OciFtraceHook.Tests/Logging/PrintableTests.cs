using System.Text;
using OciFtraceHook.Logging;

namespace OciFtraceHook.Tests.Logging;

/// <summary>Text a container wrote, shown to the root user who reads a trace or the logs: escaped as
/// strace escapes strings, never a raw control byte, one line per value.</summary>
public class PrintableTests
{
    [TestCase("plain text, unchanged", "plain text, unchanged")]
    [TestCase("\u001b]0;owned\u0007", @"\33]0;owned\7")]
    [TestCase("\u001b[2J", @"\33[2J")]
    [TestCase("a\rb\nc\td\ve\ff", @"a\rb\nc\td\ve\ff")]
    [TestCase("\u0001", @"\1")]
    [TestCase("\u0000", @"\0")]
    [TestCase("\u007f", @"\177")]
    [TestCase("back\\slash", @"back\\slash")]
    public void Control_characters_are_escaped_as_strace_does(string input, string expected) =>
        Assert.That(Printable.Line(input), Is.EqualTo(expected));

    [TestCase("\u001b7", @"\0337")]
    [TestCase("\u00011", @"\0011")]
    [TestCase("\u001b8x", @"\338x")]
    [TestCase("\u001b9", @"\339")]
    public void An_octal_escape_before_an_octal_digit_takes_three_digits(string input, string expected) =>
        Assert.That(Printable.Line(input), Is.EqualTo(expected));

    [Test]
    public void Printable_unicode_stays_and_unicode_controls_and_bidi_overrides_are_escaped()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Printable.Line("café 日本 😀"), Is.EqualTo("café 日本 😀"));
            Assert.That(Printable.Line("\u009b2J"), Is.EqualTo(@"\302\2332J"), "C1 CSI, as its UTF-8 bytes");
            Assert.That(Printable.Line("abc\u202edef"), Is.EqualTo(@"abc\342\200\256def"), "right-to-left override");
            Assert.That(Printable.Line("a\u2028b"), Is.EqualTo(@"a\342\200\250b"), "line separator");
        });
    }

    [Test]
    public void Bytes_that_are_not_utf8_are_shown_as_hex()
    {
        var bytes = new byte[] { (byte)'o', (byte)'k', 0xff, 0xc3, (byte)'x', 0x80 };
        var decoded = Printable.Utf8KeepingBadBytes.GetString(bytes);
        Assert.That(Printable.Line(decoded), Is.EqualTo(@"ok\xff\xc3x\x80"));
    }

    [Test]
    public void Valid_utf8_decodes_as_usual_with_the_keeping_decoder()
    {
        var text = "héllo 😀";
        Assert.That(Printable.Utf8KeepingBadBytes.GetString(Encoding.UTF8.GetBytes(text)), Is.EqualTo(text));
    }

    [Test]
    public void A_cap_keeps_one_value_short_and_marks_the_cut()
    {
        var line = Printable.Line(new string('a', 5000) + "\n", cap: 100);
        Assert.That(line, Is.EqualTo(new string('a', 100) + "..."));
    }

    [Test]
    public void A_cap_never_splits_a_surrogate_pair()
    {
        var line = Printable.Line("ab😀cd", cap: 3);
        Assert.That(line, Is.EqualTo("ab..."));
    }

    [Test]
    public void No_output_ever_holds_a_control_character()
    {
        var all = new StringBuilder();
        for (var c = 0; c < 0x3000; c++)
            if (!char.IsSurrogate((char)c)) all.Append((char)c);
        var line = Printable.Line(all.ToString(), cap: int.MaxValue);
        Assert.That(line.Where(c => char.IsControl(c) || c is '\u2028' or '\u2029' or '\u202e' or '\u200f'), Is.Empty);
    }

    [Test]
    public void Clean_text_is_returned_as_is() =>
        Assert.That(Printable.Line("openat"), Is.SameAs("openat").Or.EqualTo("openat"));
}
