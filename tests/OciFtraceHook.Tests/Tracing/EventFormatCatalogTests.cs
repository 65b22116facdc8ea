using System.Text;
using OciFtraceHook.TraceDat;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.Tracing;

/// <summary>The formats a save writes into a trace.dat: the syscalls' from a cache of this boot, the
/// path probes' always from tracefs, since a probe removed and defined again gets a new id, and its
/// old id may go to another event.</summary>
public class EventFormatCatalogTests
{
    private string _dir = null!;
    private string Events => Path.Combine(_dir, "events");
    private string Cache => Path.Combine(_dir, "cache");

    [SetUp]
    public void MakeTree()
    {
        _dir = Directory.CreateTempSubdirectory("format-catalog").FullName;
        Event("syscalls", "sys_enter_openat", 782);
        Event("ftrace", "print", 5);
    }

    [TearDown]
    public void RemoveTree() => Directory.Delete(_dir, recursive: true);

    private void Event(string system, string name, int id)
    {
        var dir = Path.Combine(Events, system, name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "format"), $"name: {name}\nID: {id}\nformat:\n");
    }

    private IReadOnlyList<EventFormatText> Find(params int[] ids) => new EventFormatCatalog(Events, Cache).Find(ids.ToHashSet());

    [Test]
    public void A_probes_format_is_read_fresh_and_never_cached()
    {
        Event(PathProbes.Group, "openat", 1642);
        Assert.That(Find(782, 1642).Select(f => (f.Id, f.System, f.Name)),
            Is.EqualTo(new[] { (5, "ftrace", "print"), (782, "syscalls", "sys_enter_openat"), (1642, PathProbes.Group, "openat") }));
        Assert.That(Encoding.UTF8.GetString(File.ReadAllBytes(Cache)), Does.Not.Contain(PathProbes.Group));

        // Removed and defined again: the same name, a new id; the old id now another group's.
        Directory.Delete(Path.Combine(Events, PathProbes.Group), recursive: true);
        Event(PathProbes.Group, "openat", 1700);
        Event("othergroup", "other", 1642);
        Assert.That(Find(782, 1700).Select(f => f.Id), Is.EqualTo(new[] { 5, 782, 1700 }));
        Assert.That(Find(1642).Single(f => f.Id == 1642).System, Is.EqualTo("othergroup"));
    }

    [Test]
    public void The_syscalls_come_from_the_cache_once_read()
    {
        Assert.That(Find(782).Select(f => f.Id), Is.EqualTo(new[] { 5, 782 }));
        File.Delete(Path.Combine(Events, "syscalls", "sys_enter_openat", "format"));
        Assert.That(Find(782).Select(f => f.Id), Is.EqualTo(new[] { 5, 782 }), "from the cache");
    }
}
