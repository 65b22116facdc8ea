using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.Tracing;

/// <summary>The raw spool of `show --follow`: pages come back by CPU in order, it stops at its
/// bound and says so, a record cut short is dropped, and one holder at a time has it.</summary>
public class PageSpoolTests
{
    private const int PageSize = 64;
    private string _dir = null!;

    [SetUp]
    public void MakeDir() => _dir = Directory.CreateTempSubdirectory("page-spool").FullName;

    [TearDown]
    public void RemoveDir() => Directory.Delete(_dir, recursive: true);

    private static byte[] Page(byte fill) => Enumerable.Repeat(fill, PageSize).ToArray();

    [Test]
    public void Pages_come_back_by_cpu_in_the_order_they_were_kept()
    {
        var path = Path.Combine(_dir, "x.spool");
        using (var spool = PageSpool.Open(path, PageSize, 1 << 20, create: true)!)
        {
            spool.Append(1, Page(1));
            spool.Append(0, Page(2));
            spool.Append(1, Page(3));
        }
        using (var spool = PageSpool.Open(path, PageSize, 1 << 20, create: false)!)
        {
            spool.Append(0, Page(4));
            var pages = spool.ReadPages();
            Assert.That(pages[0].Select(p => p[0]), Is.EqualTo(new byte[] { 2, 4 }));
            Assert.That(pages[1].Select(p => p[0]), Is.EqualTo(new byte[] { 1, 3 }));
        }
    }

    [Test]
    public void It_stops_at_its_bound_and_says_so()
    {
        using var spool = PageSpool.Open(Path.Combine(_dir, "x.spool"), PageSize, 3 * (PageSize + 4), create: true)!;
        for (var i = 0; i < 5; i++) spool.Append(0, Page((byte)i));
        Assert.That(spool.Full, Is.True);
        Assert.That(spool.ReadPages()[0], Has.Count.EqualTo(3));
    }

    [Test]
    public void A_record_cut_short_is_dropped_and_a_missing_spool_is_none()
    {
        var path = Path.Combine(_dir, "x.spool");
        using (var spool = PageSpool.Open(path, PageSize, 1 << 20, create: true)!) spool.Append(0, Page(9));
        File.AppendAllText(path, "cut");
        using (var spool = PageSpool.Open(path, PageSize, 1 << 20, create: false)!)
            Assert.That(spool.ReadPages()[0], Has.Count.EqualTo(1));
        Assert.That(PageSpool.Open(Path.Combine(_dir, "none.spool"), PageSize, 1 << 20, create: false), Is.Null);
    }

    [Test]
    public void One_holder_at_a_time()
    {
        var path = Path.Combine(_dir, "x.spool");
        var held = PageSpool.Open(path, PageSize, 1 << 20, create: true)!;
        var second = Task.Run(() =>
        {
            using var spool = PageSpool.Open(path, PageSize, 1 << 20, create: false)!;
            return spool.ReadPages().Count;
        });
        Assert.That(second.Wait(TimeSpan.FromMilliseconds(200)), Is.False, "waits while the first holds it");
        held.Append(0, Page(1));
        held.Dispose();
        Assert.That(second.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(second.Result, Is.EqualTo(1), "and then sees what the first kept");
    }

    [Test]
    public void An_empty_spool_is_dropped_and_one_who_waited_for_it_sees_none()
    {
        var path = Path.Combine(_dir, "x.spool");
        var held = PageSpool.Open(path, PageSize, 1 << 20, create: true)!;
        var waiter = Task.Run(() => PageSpool.Open(path, PageSize, 1 << 20, create: false));
        Assert.That(waiter.Wait(TimeSpan.FromMilliseconds(200)), Is.False);
        held.DeleteIfEmpty();
        held.Dispose();
        Assert.That(waiter.Wait(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(waiter.Result, Is.Null, "the waiter locked a deleted file, and found no other");
        Assert.That(File.Exists(path), Is.False);

        using (var spool = PageSpool.Open(path, PageSize, 1 << 20, create: true)!)
        {
            spool.Append(0, Page(1));
            spool.DeleteIfEmpty();
        }
        Assert.That(File.Exists(path), "a spool holding pages stays");
    }
}
