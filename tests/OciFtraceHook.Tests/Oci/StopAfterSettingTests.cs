using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.Oci;

/// <summary>The stop-after annotation's durations.</summary>
public class StopAfterSettingTests
{
    [TestCase("0s")]
    [TestCase("25h")]
    [TestCase("soon")]
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
}
