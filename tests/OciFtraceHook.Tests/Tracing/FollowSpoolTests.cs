using System.Text;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.TracingTests;

public class FollowSpoolTests
{
    private string _temp = null!;

    [SetUp]
    public void CreateDir() => _temp = Directory.CreateTempSubdirectory("follow-spool-").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_temp, recursive: true);

    private static byte[] Lines(int from, int count) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Range(from, count).Select(i => $"event {i:D6}\n")));

    [Test]
    public void The_spool_stops_at_its_cap_on_a_whole_line_and_says_so()
    {
        var path = Path.Combine(_temp, "x.followed");
        const int cap = 4096;
        using (var spool = new FollowSpool(path, cap))
        {
            for (var i = 0; i < 100; i++) spool.Write(Lines(i * 50, 50));
            Assert.That(spool.Full, Is.True);
        }
        var text = File.ReadAllText(path);
        Assert.Multiple(() =>
        {
            Assert.That(new FileInfo(path).Length, Is.LessThanOrEqualTo(cap));
            Assert.That(text, Does.EndWith(FollowSpool.FullLine));
            Assert.That(text.Split('\n', StringSplitOptions.RemoveEmptyEntries)[..^1], Is.All.Match(@"^event \d{6}$"), "only whole lines");
            Assert.That(text, Does.StartWith("event 000000\n"), "the first events are kept");
        });
    }

    [Test]
    public void A_second_follow_counts_what_the_first_kept()
    {
        var path = Path.Combine(_temp, "y.followed");
        using (var first = new FollowSpool(path, 2048)) first.Write(Lines(0, 140));
        using (var second = new FollowSpool(path, 2048))
        {
            second.Write(Lines(140, 20));
            Assert.That(second.Full, Is.True, "the cap covers the spool, not one session");
        }
        Assert.That(new FileInfo(path).Length, Is.LessThanOrEqualTo(2048 + FollowSpool.FullLine.Length));
    }

    [Test]
    public void Under_the_cap_everything_is_kept()
    {
        var path = Path.Combine(_temp, "z.followed");
        using (var spool = new FollowSpool(path, 1 << 20)) spool.Write(Lines(0, 10));
        Assert.That(File.ReadAllBytes(path), Is.EqualTo(Lines(0, 10)));
    }
}
