using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.Oci;

/// <summary>The stop-after annotation's durations.</summary>
public class StopAfterSettingTests
{
    [TestCase("0s")]
    [TestCase("25h")]
    [TestCase("soon")]
    [TestCase("FULL")]
    public void A_bad_duration_is_refused(string value)
    {
        Assert.That(() => HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.StopAfterKey] = value }),
            Throws.InstanceOf<HookException>().With.Message.Contains("expected a duration from 1s to 24h"));
    }

    [TestCase("30", 30)]
    [TestCase("90s", 90)]
    [TestCase("5m", 300)]
    [TestCase("2h", 7200)]
    public void Durations_read_as_seconds_minutes_or_hours(string value, int seconds)
    {
        Assert.That(HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.StopAfterKey] = value }).StopAfter,
            Is.EqualTo(TimeSpan.FromSeconds(seconds)));
    }

    [Test]
    public void Full_stops_when_the_buffer_first_fills_and_keeps_the_oldest_events()
    {
        var settings = HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.StopAfterKey] = "full" });
        Assert.Multiple(() =>
        {
            Assert.That(settings.StopWhenFull, Is.True);
            Assert.That(settings.StopAfter, Is.Null);
            Assert.That(settings.Overwrite, Is.False, "the trace kept is the one from the start");
        });
    }

    [Test]
    public void Full_with_overwrite_asked_is_refused_and_overwrite_false_is_accepted()
    {
        Assert.That(() => HookSettings.FromAnnotations(new Dictionary<string, string>
            {
                [HookSettings.OverwriteKey] = "true",
                [HookSettings.StopAfterKey] = "full",
            }),
            Throws.InstanceOf<HookException>().With.Message.Contains("contradicts org.ociftracehook.stop-after=full"));
        Assert.That(HookSettings.FromAnnotations(new Dictionary<string, string>
            {
                [HookSettings.StopAfterKey] = "full",
                [HookSettings.OverwriteKey] = "false",
            }).Overwrite, Is.False);
    }

    [Test]
    public void A_duration_leaves_overwrite_as_asked()
    {
        var settings = HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.StopAfterKey] = "5m" });
        Assert.Multiple(() =>
        {
            Assert.That(settings.StopWhenFull, Is.False);
            Assert.That(settings.Overwrite, Is.True);
        });
    }
}
