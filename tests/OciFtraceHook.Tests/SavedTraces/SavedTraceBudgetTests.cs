using OciFtraceHook.SavedTraces;

namespace OciFtraceHook.Tests.SavedTracesTests;

public class SavedTraceBudgetTests
{
    private string _root = null!;
    private string _a = null!;
    private string _b = null!;
    private int _second;

    [SetUp]
    public void Create()
    {
        _root = Directory.CreateTempSubdirectory("budget-").FullName;
        _a = Path.Combine(_root, "a");
        _b = Path.Combine(_root, "b");
        foreach (var dir in new[] { _a, _b }) Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    [TearDown]
    public void Remove() => Directory.Delete(_root, recursive: true);

    /// <summary>A saved trace of <paramref name="id"/>, 1000 bytes, each newer than the one before.</summary>
    private string Saved(string dir, string id, string? tenant = null)
    {
        var path = Path.Combine(dir, $"{OciFtraceHook.Tracing.InstanceName.For(id)}-{_second:x}-1-20260101T000000Z.trace");
        var header = $"{TextSave.ContainerHeader}{id}\n" + (tenant is null ? "" : $"{TextSave.TenantHeader}{tenant}\n");
        File.WriteAllText(path, header + new string('x', 1000 - header.Length));
        File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, 0, _second++, DateTimeKind.Utc));
        return path;
    }

    [Test]
    public void The_oldest_go_first_and_the_one_just_saved_last()
    {
        var files = Enumerable.Range(0, 5).Select(_ => Saved(_a, "c1")).ToArray();
        File.WriteAllText(Path.Combine(_a, "other.txt"), new string('x', 5000));

        var removed = SavedTraceBudget.Enforce([_a], 2500, 0, keep: files[4]);

        Assert.That(removed, Is.EqualTo(files[..3]));
        Assert.That(files.Select(File.Exists), Is.EqualTo(new[] { false, false, false, true, true }));
        Assert.That(File.Exists(Path.Combine(_a, "other.txt")), Is.True, "only saved traces are counted and removed");
        Assert.That(SavedTraceBudget.Enforce([_a], 100, 0, keep: files[4]), Is.EqualTo(new[] { files[3], files[4] }),
            "alone over the budget, the one just saved goes too: last");
    }

    [Test]
    public void One_containers_traces_never_push_out_another_containers()
    {
        // c1 saved long ago and little; c2 saves a lot, in another save directory, later.
        var quiet = Saved(_a, "c1");
        var busy = Enumerable.Range(0, 6).Select(_ => Saved(_b, "c2")).ToArray();

        var removed = SavedTraceBudget.Enforce([_a, _b], 4000, 0, keep: busy[^1]);

        Assert.That(removed, Is.EqualTo(busy[..3]), "the container holding the most loses its oldest, across directories");
        Assert.That(File.Exists(quiet), Is.True, "the other container's older trace stays");
    }

    /// <summary>The attack: one container saves a little; another id saves more than the whole
    /// budget. The big one is dropped for itself; the small one stays.</summary>
    [Test]
    public void A_save_larger_than_the_budget_is_dropped_for_itself_and_never_costs_another_id_its_trace()
    {
        var small = Saved(_a, "c1");
        var big = Path.Combine(_b, $"{OciFtraceHook.Tracing.InstanceName.For("c2")}-1-1-20260101T000001Z.trace");
        File.WriteAllBytes(big, new byte[8000]);

        var removed = SavedTraceBudget.Enforce([_a, _b], 2000, 0, keep: big);

        Assert.That(removed, Is.EqualTo(new[] { big }));
        Assert.That(File.Exists(small), Is.True);
    }

    [Test]
    public void A_save_over_its_ids_own_limit_is_dropped_for_itself()
    {
        var other = Saved(_a, "c1");
        var big = Path.Combine(_b, $"{OciFtraceHook.Tracing.InstanceName.For("c2")}-1-1-20260101T000001Z.trace");
        File.WriteAllBytes(big, new byte[3000]);
        Assert.That(SavedTraceBudget.Enforce([_a, _b], 0, 2000, keep: big), Is.EqualTo(new[] { big }));
        Assert.That(File.Exists(other), Is.True);
    }

    /// <summary>The owner the hook tagged a trace with when it saved it (a trusted.* attribute, which
    /// only root sets) is read instead of the trace's header: one getxattr, not an open and a read,
    /// for every trace at every save. A tag that does not read falls back to the header.</summary>
    [Test]
    public void The_owner_tagged_at_the_save_is_read_without_opening_the_trace()
    {
        var tagged = Saved(_a, "c1");
        using (var file = File.OpenHandle(tagged, FileMode.Open, FileAccess.ReadWrite))
            SavedTraceTag.Set(file, "c2", "team-b");
        Assert.That(SavedTraceTag.Get(tagged, new byte[SavedTraceTag.MaxBytes]), Is.EqualTo((OciFtraceHook.Tracing.InstanceName.For("c2"), "team-b")));
        // The tag says c2 while the header says c1: the budget counts it as c2's, so c2 (over its
        // own limit with its own trace) loses its oldest, the tagged one.
        var c2 = Saved(_b, "c2");
        Assert.That(SavedTraceBudget.Enforce([_a, _b], 0, 1500, keep: c2), Is.EqualTo(new[] { tagged }));

        var malformed = Saved(_a, "c3");
        File.SetLastWriteTimeUtc(malformed, new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        using (var file = File.OpenHandle(malformed, FileMode.Open, FileAccess.ReadWrite))
            Assert.That(Interop.TrySetXattr(file, SavedTraceTag.AttributeName, "2\nnot-a-stem\n"u8.ToArray(), out _), Is.True);
        Assert.That(SavedTraceTag.Get(malformed, new byte[SavedTraceTag.MaxBytes]), Is.Null);
        var longTenant = Saved(_a, "c4");
        using (var file = File.OpenHandle(longTenant, FileMode.Open, FileAccess.ReadWrite))
            SavedTraceTag.Set(file, "c4", new string('t', SavedTraceTag.MaxBytes));
        Assert.That(SavedTraceTag.Get(longTenant, new byte[SavedTraceTag.MaxBytes]), Is.Null, "a tag too long is not set: the header is read");
        var c3 = Saved(_b, "c3");
        Assert.That(SavedTraceBudget.Enforce([_a, _b], 0, 1500, keep: c3), Is.EqualTo(new[] { malformed }), "read from its header: c3's");
    }

    /// <summary>An id chosen to start with another id's stem ("c1-" and c1's hash) names its traces
    /// so that the name alone reads as c1's. The trace's own header says whose it is.</summary>
    [Test]
    public void An_id_that_embeds_another_ids_stem_cannot_spend_that_ids_share()
    {
        var victim = Saved(_a, "c1");
        var stem = OciFtraceHook.Tracing.InstanceName.For("c1");
        var borrower = stem["oci-ftrace-".Length..]; // "c1-<c1's hash>": a valid id of its own
        var own = Enumerable.Range(0, 3).Select(_ => Saved(_b, borrower)).ToArray();
        Assert.That(Path.GetFileName(own[0]), Does.StartWith(stem + "-"), "by its name, the borrower's trace looks like c1's");

        var removed = SavedTraceBudget.Enforce([_a, _b], 0, 2000, keep: own[^1]);

        Assert.That(removed, Is.EqualTo(new[] { own[0] }), "the borrower over its own limit loses its own oldest");
        Assert.That(File.Exists(victim), Is.True);
    }

    [Test]
    public void A_file_that_is_not_roots_is_neither_counted_nor_removed()
    {
        var planted = Saved(_a, "c1");
        File.SetUnixFileMode(planted, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.That(Mono.Unix.Native.Syscall.chown(planted, 65534, 65534), Is.Zero);
        var keep = Saved(_b, "c1");
        Assert.That(SavedTraceBudget.Enforce([_a, _b], 0, 1000, keep), Is.Empty, "only root's traces count");
        Assert.That(File.Exists(planted), Is.True);
    }

    [Test]
    public void A_tenant_over_its_share_loses_its_own_oldest_traces_whichever_of_its_containers_made_them()
    {
        var x = Enumerable.Range(0, 2).Select(_ => Saved(_a, "x", "ns=t")).ToArray();
        var other = Saved(_a, "u1", "ns=u");
        var y = Saved(_b, "y", "ns=t");

        var removed = SavedTraceBudget.Enforce([_a, _b], 0, 0, keep: y, maxPerTenant: 2000);

        Assert.That(removed, Is.EqualTo(new[] { x[0] }), "the tenant's oldest, though another of its containers saved last");
        Assert.That(File.Exists(other), Is.True, "another tenant's trace stays");
    }

    [Test]
    public void Each_container_stays_within_its_own_limit()
    {
        var c1 = Enumerable.Range(0, 4).Select(_ => Saved(_a, "c1")).ToArray();
        var c2 = Saved(_b, "c2");

        var removed = SavedTraceBudget.Enforce([_a, _b], 0, 2000, keep: c1[^1]);

        Assert.That(removed, Is.EqualTo(c1[..2]));
        Assert.That(File.Exists(c2), Is.True);
    }

    [Test]
    public void A_symlinked_save_directory_is_not_acted_in()
    {
        var victim = Saved(_a, "c1");
        var link = Path.Combine(_root, "link");
        File.CreateSymbolicLink(link, _a);
        var keep = Saved(_b, "c2");
        Assert.That(SavedTraceBudget.Enforce([link, _b], 1000, 0, keep), Is.Empty, "the linked directory is not counted, so nothing is over");
        Assert.That(File.Exists(victim), Is.True);
    }
}
