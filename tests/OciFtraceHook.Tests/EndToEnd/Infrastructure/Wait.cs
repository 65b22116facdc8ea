namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Waits for a condition instead of a fixed time: as short as the machine allows, as
/// long as a slow one needs, and a failure that says what never happened.</summary>
internal static class Wait
{
    public static T Until<T>(Func<T> probe, Func<T, bool> done, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) Assert.Fail($"waited {timeout.TotalSeconds:0} s for {what}; last seen: {value}");
            Thread.Sleep(50);
        }
    }
}
