namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Waits for a condition instead of a fixed time: as short as the machine allows, as
/// long as a slow one needs, and a failure that says what never happened.</summary>
internal static class Wait
{
    /// <param name="every">How often to look (50 ms by default). Reading an instance's `trace` file
    /// pauses its recording while the read lasts (tracefs' pause-on-trace): look at one rarely.</param>
    public static T Until<T>(Func<T> probe, Func<T, bool> done, TimeSpan timeout, string what, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = probe();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) Assert.Fail($"waited {timeout.TotalSeconds:0} s for {what}; last seen: {value}");
            Thread.Sleep(every ?? TimeSpan.FromMilliseconds(50));
        }
    }
}
