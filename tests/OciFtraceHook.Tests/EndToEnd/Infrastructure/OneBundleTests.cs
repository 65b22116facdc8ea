namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Tests that each run containers from one bundle: after each, the hook's detached
/// removals are waited for, the bundle goes, and any instance or record left fails the test (a leak
/// in a test is a leak in the product).</summary>
public abstract class OneBundleTests
{
    private protected BusyboxBundle Bundle = null!;

    [TearDown]
    public void NothingIsLeftBehind()
    {
        if (Bundle is not null) TestHost.DisposeAndAssertNothingLeft([Bundle]);
    }
}
