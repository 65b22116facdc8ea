using Microsoft.Extensions.Logging;
using OciFtraceHook.Logging;

namespace OciFtraceHook.Tests.Logging;

/// <summary>Log lines repeat ids, names and annotations: each value is escaped and capped on its own,
/// so a line stays one line and the reason stays in sight.</summary>
public class LogLineTests
{
    private static string LogStageFailed(string id, string reason)
    {
        var output = new StringWriter { NewLine = "\n" };
        using (var factory = LoggerFactory.Create(b => b.AddProvider(new StderrLoggerProvider(LogLevel.Information, output))))
        {
            Log.StageFailed(factory.CreateLogger("hook"), "prestart", id, reason, new HookException(reason));
        }
        return output.ToString();
    }

    [Test]
    public void Control_characters_in_an_id_are_escaped()
    {
        var line = LogStageFailed("evil\u001b]0;owned\u0007\nfake: line", "bad id");
        Assert.That(line, Is.EqualTo("oci-ftrace-hook: error: prestart failed for container evil\\33]0;owned\\7\\nfake: line: bad id\n"));
    }

    [Test]
    public void A_huge_id_is_capped_and_the_reason_still_shows()
    {
        var line = LogStageFailed(new string('x', 4096), "container id is 4096 characters long; at most 1024 are accepted");
        Assert.Multiple(() =>
        {
            Assert.That(line, Does.Contain(new string('x', Printable.DefaultCap) + "...: container id is 4096"));
            Assert.That(line, Does.EndWith("at most 1024 are accepted\n"));
            Assert.That(line.Count(c => c == '\n'), Is.EqualTo(1));
        });
    }
}
