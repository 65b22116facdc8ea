using OciFtraceHook.Hook;

namespace OciFtraceHook.Tests.HookTests;

public class VerbGuardTests
{
    private readonly List<string> _lines = [];

    [SetUp]
    public void Clear() => _lines.Clear();

    private int Run(Func<int> verb) => VerbGuard.Run(verb, (message, _) => _lines.Add(message));

    [Test]
    public void An_unforeseen_exception_is_one_line_and_exit_1_never_an_abort()
    {
        var code = Run(() => throw new InvalidOperationException("first line\nsecond line"));
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(_lines, Is.EqualTo(new[] { "unexpected InvalidOperationException: first line second line" }));
        });
    }

    [Test]
    public void A_hook_failure_is_its_message_and_a_usage_error_exits_2()
    {
        Assert.That(Run(() => throw new HookException("cannot trace")), Is.EqualTo(1));
        Assert.That(Run(() => throw new UsageException("show: unknown option '-x'")), Is.EqualTo(2));
        Assert.That(_lines, Is.EqualTo(new[] { "cannot trace", "show: unknown option '-x'" }));
    }

    [Test]
    public void A_huge_message_is_capped()
    {
        Run(() => throw new HookException(new string('x', 5000)));
        Assert.That(_lines.Single(), Has.Length.EqualTo(1003));
    }

    [Test]
    public void Success_passes_the_exit_code_through()
    {
        Assert.That(Run(() => 0), Is.Zero);
        Assert.That(_lines, Is.Empty);
    }
}
