namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Tests that run containers from several bundles each: after each test the hook's
/// detached removals are waited for, every bundle goes, and any instance or record left fails the
/// test, as <see cref="OneBundleTests"/> does for one.</summary>
public abstract class ManyBundleTests
{
    private readonly List<BusyboxBundle> _bundles = [];

    /// <summary>How long removals may take after the test (many containers take longer).</summary>
    private protected virtual TimeSpan RemovalTimeout => TimeSpan.FromSeconds(15);

    private protected IReadOnlyList<BusyboxBundle> Bundles => _bundles;

    private protected BusyboxBundle Track(BusyboxBundle bundle)
    {
        _bundles.Add(bundle);
        return bundle;
    }

    [TearDown]
    public void NothingIsLeftBehind()
    {
        var made = _bundles.ToArray();
        _bundles.Clear();
        TestHost.DisposeAndAssertNothingLeft(made, RemovalTimeout);
    }
}
