using OciFtraceHook.Oci;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.EndToEnd;

/// <summary>Threat: control bytes. A container writes escape sequences into trace_marker (or its
/// owner into annotations) to drive the terminal of the root user who reads the trace or the logs:
/// `show` in text, summary, JSON and chrome formats, and the hook's log lines, show them escaped as
/// strace does and never hold a raw control byte.</summary>
[Category("EndToEnd")]
public class PrintableOutputTests : OneBundleTests
{
    private const string Tracing = "/sys/kernel/tracing";

    [SetUp]
    public void Create()
    {
        HostRequirements.RequireRuncAndTraceFs();
        Bundle = BusyboxBundle.Create("printable").WithHook(HookBinary.Path);
    }

    [Test]
    public void Escape_bell_carriage_return_and_delete_in_markers_are_shown_escaped()
    {
        // ESC ] 0 ; title BEL (retitles a terminal), ESC [ 2 J (clears it), CR, DEL, ^A, a byte that is not UTF-8.
        var result = Runc.Run(Bundle.Script($@"echo -e 'A\033]0;owned\007B\033[2J\rC\177D\001E\377F' > {Tracing}/trace_marker"));
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        var saved = Bundle.SavedTraces().Single();

        var text = HookProcess.Run("", "show", "--file", saved);
        var json = HookProcess.Run("", "show", "--file", saved, "--format", "json");
        var chrome = HookProcess.Run("", "show", "--file", saved, "--format", "chrome");
        var summary = HookProcess.Run("", "show", "--file", saved, "--summary");

        Assert.Multiple(() =>
        {
            foreach (var (name, output) in new[] { ("text", text), ("json", json), ("chrome", chrome), ("summary", summary) })
            {
                Assert.That(output.ExitCode, Is.Zero, $"{name}: {output}");
                Assert.That(RawControlCharacters(output.Stdout + output.Stderr), Is.Empty, $"{name} holds no raw control byte");
            }
            Assert.That(text.Stdout, Does.Contain(@"--- trace_marker: A\33]0;owned\7B\33[2J\rC\177D\1E\xffF ---"), text.Stdout);
            Assert.That(json.Stdout, Does.Contain(@"""text"":""A\\33]0;owned\\7B\\33[2J\\rC\\177D\\1E\\xffF"""), json.Stdout);
            Assert.That(chrome.Stdout, Does.Contain(@"A\\33]0;owned\\7B\\33[2J\\rC\\177D\\1E\\xffF"), chrome.Stdout);
        });
    }

    [Test]
    public void Annotation_keys_and_values_are_escaped_in_the_hooks_error_line()
    {
        Bundle.Script("echo PROGRAM-RAN").Annotate(HookSettings.Prefix + "x\u001b]0;owned\u0007", "\u001b[2J\r");
        var result = Runc.Run(Bundle);
        Assert.Multiple(() =>
        {
            Assert.That(result.ExitCode, Is.Not.Zero, result.ToString());
            // runc quotes the hook's stderr, doubling its backslashes; the verb's one-line rule has
            // already made the carriage return a space.
            Assert.That(result.Stderr, Does.Contain(@"annotation org.ociftracehook.x\\33]0;owned\\7=\\33[2J"), result.Stderr);
            Assert.That(result.Stderr, Does.Contain(": unknown setting"), result.Stderr);
            Assert.That(RawControlCharacters(result.Stderr), Is.Empty);
        });
    }

    /// <summary>Every character below space except the newline, DEL, and the C1 controls.</summary>
    private static string[] RawControlCharacters(string output) =>
        output.Where(c => (c < ' ' && c != '\n') || c is >= '\u007f' and <= '\u009f')
            .Select(c => $"U+{(int)c:X4}").Distinct().ToArray();
}
