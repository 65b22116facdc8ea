using System.Diagnostics;
using OciFtraceHook.Decoding;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tests.Benchmarks;

/// <summary>The binary decoder (trace.dat pages to events) against the text decoder (ftrace's text
/// lines to the same events). In the suite it only checks, once, that both read the recorded
/// sample pair's events; tests/benchmarks/tracedat-decode.sh points it (BENCH_DAT, BENCH_TEXT) at
/// 1.2 million events it recorded from one container's buffer, and then it times them (best of
/// five after a warm-up) and prints one line of figures. No time is asserted.</summary>
public class DecodeBenchmark
{
    [Test]
    public void Binary_against_text_decode()
    {
        var samples = Path.Combine(TestContext.CurrentContext.TestDirectory, "Decoding", "Samples");
        var benchmark = Environment.GetEnvironmentVariable("BENCH_DAT") is not null;
        var dat = Environment.GetEnvironmentVariable("BENCH_DAT") ?? Path.Combine(samples, "busybox-raw.dat");
        var text = Environment.GetEnvironmentVariable("BENCH_TEXT") ?? Path.Combine(samples, "busybox-raw.trace");
        if (!benchmark)
        {
            Assert.That(BinaryEvents(dat), Is.GreaterThanOrEqualTo(TextEvents(text)), "the trace.dat holds the text's events");
            return;
        }
        // Warm up both (JIT), then the best of five runs each.
        BinaryEvents(dat);
        TextEvents(text);
        JoinedEvents(dat);
        var (binaryEvents, binarySeconds) = Best(() => BinaryEvents(dat));
        var (textEvents, textSeconds) = Best(() => TextEvents(text));
        var (joinedEvents, joinedSeconds) = Best(() => JoinedEvents(dat));
        TestContext.Out.WriteLine(
            $"BENCH binary_events={binaryEvents} binary_s={binarySeconds:F4} text_events={textEvents} text_s={textSeconds:F4} " +
            $"binary_meps={binaryEvents / binarySeconds / 1e6:F1} text_meps={textEvents / textSeconds / 1e6:F1} " +
            $"ratio={(binaryEvents / binarySeconds) / (textEvents / textSeconds):F2} " +
            $"joined_s={joinedSeconds:F4} joined_meps={joinedEvents / joinedSeconds / 1e6:F1}");
        Assert.That(binaryEvents, Is.GreaterThanOrEqualTo(textEvents), "the trace.dat holds the text's events");
    }

    private static (long Events, double Seconds) Best(Func<long> run)
    {
        var best = double.MaxValue;
        long events = 0;
        for (var i = 0; i < 5; i++)
        {
            var watch = Stopwatch.StartNew();
            events = run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return (events, best);
    }

    private static long BinaryEvents(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long events = 0;
        new TraceDatEvents(TraceDatFile.Open(stream, path), path).Read(_ => events++);
        return events;
    }

    /// <summary>Pages to events to calls, each probe's path joined to its call (what show does
    /// before formatting); the calls are counted, not formatted.</summary>
    private static long JoinedEvents(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        long events = 0, calls = 0;
        var pairer = new CallPairer(_ => true, _ => calls++);
        new TraceDatEvents(TraceDatFile.Open(stream, path), path).Read(e =>
        {
            events++;
            pairer.Add(e);
        });
        pairer.Finish();
        return events;
    }

    private static long TextEvents(string path)
    {
        using var reader = new StreamReader(path, System.Text.Encoding.UTF8, false, 1 << 16);
        var parser = new TraceLineParser();
        var e = new TraceEvent();
        long events = 0;
        while (reader.ReadLine() is { } line)
        {
            if (parser.TryParse(line, e)) events++;
        }
        return events;
    }
}
