using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;
using OciFtraceHook.Tests.SavedTraces;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tests.DecodingTests;

/// <summary>The binary decoder gives what the text decoder gives on the same events, and refuses
/// damaged files with one clear line: cut anywhere, or with random bytes.</summary>
public class TraceDatDecoderTests
{
    private static string DecodeText(string text, DecodeOptions options)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new TraceDecoder(options, writer).Run(new StringReader(text));
        return writer.ToString();
    }

    private static string DecodeDat(byte[] dat, DecodeOptions options)
    {
        var writer = new StringWriter { NewLine = "\n" };
        TraceInput.Decode(new MemoryStream(dat), new TraceDecoder(options, writer), "test.dat");
        return writer.ToString();
    }

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    public void The_binary_and_text_decoders_show_the_same_calls(bool summary, bool durations)
    {
        var trace = TraceDatWriterTests.Sample();
        var options = new DecodeOptions { Arch = TraceArch.X86_64, Summary = summary, Durations = durations };
        var text = DecodeText("# oci-ftrace-hook: lost events: 0\n" + trace.Text(), options);
        var binary = DecodeDat(TraceDatWriterTests.Write(trace), options);
        Assert.That(binary, Is.EqualTo(text));
        Assert.That(binary, summary ? Does.Contain("openat") : Does.Contain("openat(AT_FDCWD, 0x7ffd2000, O_RDONLY) = -1 ENOENT"));
    }

    [Test]
    public void Stdin_that_holds_a_trace_dat_is_decoded_too()
    {
        var dat = TraceDatWriterTests.Write(TraceDatWriterTests.Sample());
        var writer = new StringWriter();
        TraceInput.Decode(new UnseekableStream(dat), new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer), "stdin");
        Assert.That(writer.ToString(), Does.Contain("= -1 ENOENT"));
    }

    [Test]
    public void A_file_cut_anywhere_is_refused_with_one_line()
    {
        var dat = TraceDatWriterTests.Write(TraceDatWriterTests.Sample());
        // Shorter than the magic it is no trace.dat at all (read as text); from there on, every cut.
        var cuts = Enumerable.Range(1, dat.Length / SyntheticTrace.PageSize + 1).Select(p => p * SyntheticTrace.PageSize)
            .Concat(Enumerable.Range(10, 800)).Where(c => c < dat.Length).Distinct();
        foreach (var cut in cuts)
        {
            var message = Refusal(dat[..cut]);
            Assert.That(message, Is.Not.Null, $"cut at {cut}: decoded as if whole");
            Assert.That(message, Does.Not.Contain('\n'), $"cut at {cut}");
        }
    }

    [Test]
    public void Random_bytes_are_refused_or_decoded_never_a_crash()
    {
        var dat = TraceDatWriterTests.Write(TraceDatWriterTests.Sample());
        var random = new Random(13);
        for (var round = 0; round < 3000; round++)
        {
            var damaged = (byte[])dat.Clone();
            var flips = random.Next(1, 8);
            for (var i = 0; i < flips; i++)
            {
                // Half of the damage in the header, half in the pages.
                var at = random.Next(2) == 0 ? random.Next(Math.Min(900, damaged.Length)) : random.Next(damaged.Length);
                damaged[at] = (byte)random.Next(256);
            }
            var message = Refusal(damaged);
            if (message is not null) Assert.That(message, Does.Not.Contain('\n'), $"round {round}");
        }
        var noise = new byte[20_000];
        random.NextBytes(noise);
        new byte[] { 0x17, 0x08, 0x44, (byte)'t', (byte)'r', (byte)'a', (byte)'c', (byte)'i', (byte)'n', (byte)'g', (byte)'6', 0 }.CopyTo(noise, 0);
        Assert.That(Refusal(noise), Does.StartWith("test.dat: corrupt trace.dat").Or.StartWith("test.dat: truncated trace.dat"));
    }

    [Test]
    public void Huge_sizes_in_the_file_are_checked_against_its_real_length()
    {
        var dat = TraceDatWriterTests.Write(TraceDatWriterTests.Sample());
        // The header_page size: 8 bytes after "header_page\0", which follows the 20-byte start.
        var damaged = (byte[])dat.Clone();
        BitConverter.GetBytes(long.MaxValue).CopyTo(damaged, 20 + 12);
        Assert.That(Refusal(damaged), Does.Contain("truncated trace.dat: header_page"));
    }

    /// <summary>The one-line error a damaged file gets, or null when it decoded.</summary>
    private static string? Refusal(byte[] dat)
    {
        try
        {
            DecodeDat(dat, new DecodeOptions { Arch = TraceArch.X86_64 });
            return null;
        }
        catch (TraceDatException e)
        {
            return e.Message;
        }
    }

    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}

/// <summary>A pair recorded from one runc container (see EndToEnd/SavedTraceFormat/DecoderParityTests):
/// the text of its buffer while it waited at the end, and the trace.dat poststop saved.</summary>
public class RecordedTraceDatPairTests
{
    private static string Sample(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Decoding", "Samples", name);

    private static string[] Show(string path)
    {
        var writer = new StringWriter { NewLine = "\n" };
        using var input = File.OpenRead(path);
        TraceInput.Decode(input, new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer), path);
        return writer.ToString().TrimEnd('\n').Split('\n');
    }

    [Test]
    public void Both_decoders_give_the_same_calls_on_the_recorded_pair()
    {
        var text = Show(Sample("busybox-raw.trace"));
        var binary = Show(Sample("busybox-raw.dat"));
        Assert.That(text, Has.Length.GreaterThan(100));
        // The text was read while the container slept at the end: its last call (sleep's
        // nanosleep, unfinished then) is whole in the trace.dat. Everything before is the same.
        var shared = text.TakeWhile(l => !l.Contains("nanosleep")).ToArray();
        Assert.That(shared, Has.Length.GreaterThan(100));
        Assert.That(binary.Take(shared.Length), Is.EqualTo(shared));
        Assert.That(binary, Has.Some.Contains("--- trace_marker: DONE-parity ---"));
    }
}
