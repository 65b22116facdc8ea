using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using OciFtraceHook.Decoding;
using OciFtraceHook.Export;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.ExportTests;

/// <summary>--format json and chrome carry the same calls as the text decoder and its summary, one
/// event per call, on the real recorded samples.</summary>
public partial class ExportTests
{
    private static string Sample(string name) => Path.Combine(TestContext.CurrentContext.TestDirectory, "Decoding", "Samples", name);

    private static string Decode(string sample, DecodeOptions options)
    {
        using var reader = new StreamReader(Sample(sample));
        using var writer = new StringWriter();
        new TraceDecoder(ExportSinks.WithSink(options), writer).Run(reader);
        return writer.ToString();
    }

    /// <summary>Calls per syscall from the text summary.</summary>
    private static Dictionary<string, long> SummaryCalls(string sample)
    {
        var calls = new Dictionary<string, long>();
        foreach (Match m in SummaryRow().Matches(Decode(sample, new DecodeOptions { Summary = true })))
        {
            if (m.Groups["name"].Value != "total") calls[m.Groups["name"].Value] = long.Parse(m.Groups["calls"].Value);
        }
        return calls;
    }

    [GeneratedRegex(@"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(?<calls>\d+)\s+\d*\s*(?<name>\S+)$", RegexOptions.Multiline)]
    private static partial Regex SummaryRow();

    [TestCase("busybox-workload.trace")]
    [TestCase("lost-events.pipe")]
    public void Json_has_one_object_per_call_matching_the_summary(string sample)
    {
        var lines = Decode(sample, new DecodeOptions { Format = OutputFormat.Json, Arch = TraceArch.X86_64 })
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var calls = lines.Where(o => o["syscall"] is not null)
            .Where(o => !(o["kind"]!.GetValue<string>() == "resumed" && o["args"] is null && o["result"]!.GetValue<long>() == 0
                          && o["syscall"]!.GetValue<string>() is "clone" or "clone3" or "fork" or "vfork"))
            .GroupBy(o => o["syscall"]!.GetValue<string>())
            .ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.That(calls, Is.EquivalentTo(SummaryCalls(sample)), "every call of the summary, once");
        Assert.That(lines.Where(o => o["kind"]!.GetValue<string>() == "marker").Select(o => o["text"]!.GetValue<string>()),
            Is.EqualTo(Regex.Matches(File.ReadAllText(Sample(sample)), @"tracing_mark_write: (.*)").Select(m => m.Groups[1].Value)));
    }

    [Test]
    public void Json_names_the_error_and_keeps_the_text_decoders_result()
    {
        var text = Decode("busybox-workload.trace", new DecodeOptions()).Split('\n');
        var json = Decode("busybox-workload.trace", new DecodeOptions { Format = OutputFormat.Json }).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonNode.Parse(l)!).Where(o => o["error"] is not null).ToList();
        Assert.That(json, Is.Not.Empty);
        foreach (var o in json)
        {
            var shown = o["shown"]!.GetValue<string>();
            Assert.That(shown, Is.EqualTo($"-1 {o["error"]!.GetValue<string>()} ({o["message"]!.GetValue<string>()})"));
            Assert.That(text.Any(l => l.EndsWith(" = " + shown, StringComparison.Ordinal)), Is.True, shown);
        }
    }

    [Test]
    public void Chrome_trace_is_one_complete_event_per_call_with_markers_and_thread_names()
    {
        var doc = JsonNode.Parse(Decode("busybox-workload.trace", new DecodeOptions { Format = OutputFormat.Chrome }))!;
        var events = doc["traceEvents"]!.AsArray().Select(e => e!).ToList();
        var calls = events.Where(e => e["cat"]?.GetValue<string>() is "syscall" or "syscall,error")
            .Where(e => !(e["ph"]!.GetValue<string>() == "i" && e["args"]!["result"]!.GetValue<string>() == "0"
                          && e["name"]!.GetValue<string>() is "clone" or "clone3" or "fork" or "vfork"))
            .GroupBy(e => e["name"]!.GetValue<string>()).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Multiple(() =>
        {
            Assert.That(calls, Is.EquivalentTo(SummaryCalls("busybox-workload.trace")));
            var complete = events.Where(e => e["ph"]?.GetValue<string>() == "X").ToList();
            Assert.That(complete, Is.Not.Empty);
            Assert.That(complete.All(e => e["dur"]!.GetValue<double>() >= 0 && e["ts"] is not null && e["pid"] is not null && e["tid"] is not null), Is.True);
            Assert.That(events.Where(e => e["cat"]?.GetValue<string>() == "trace_marker").Select(e => e["name"]!.GetValue<string>()),
                Is.EqualTo(new[] { "phase-two" }));
            Assert.That(events.Count(e => e["cat"]?.GetValue<string>() == "syscall,error"),
                Is.EqualTo(Decode("busybox-workload.trace", new DecodeOptions { FailedOnly = true }).Split('\n', StringSplitOptions.RemoveEmptyEntries).Length),
                "the failed calls are the ones -Z shows");
            Assert.That(events.Where(e => e["ph"]?.GetValue<string>() == "M").Select(e => e["name"]!.GetValue<string>()).Distinct(),
                Is.EquivalentTo(new[] { "thread_name", "process_name" }));
        });
    }

    [Test]
    public void Chrome_trace_marks_lost_events()
    {
        var doc = JsonNode.Parse(Decode("lost-events.pipe", new DecodeOptions { Format = OutputFormat.Chrome, Arch = TraceArch.X86_64 }))!;
        var lost = doc["traceEvents"]!.AsArray().Where(e => e!["cat"]?.GetValue<string>() == "lost").Select(e => e!["name"]!.GetValue<string>()).ToList();
        var expected = Regex.Matches(File.ReadAllText(Sample("lost-events.pipe")), @"CPU:(\d+) \[LOST (\d+) EVENTS\]")
            .Select(m => $"LOST {m.Groups[2].Value} EVENTS (CPU {m.Groups[1].Value})");
        Assert.That(lost, Is.EqualTo(expected));
    }
}
