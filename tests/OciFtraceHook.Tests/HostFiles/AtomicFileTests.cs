using OciFtraceHook.HostFiles;

namespace OciFtraceHook.Tests.HostFilesTests;

public class AtomicFileTests
{
    private string _dir = null!;

    [SetUp]
    public void Create() => _dir = Directory.CreateTempSubdirectory("atomic-file-").FullName;

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    private string[] Temporaries() => Directory.GetFiles(_dir, "*" + AtomicFile.TemporarySuffix);

    [Test]
    public void Replace_writes_the_whole_file_with_its_mode_exactly_and_leaves_no_temporary()
    {
        var path = Path.Combine(_dir, "record.json");
        File.WriteAllText(path, "old");
        AtomicFile.Replace(path, output => output.Write("new"u8), durable: true, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(path), Is.EqualTo("new"));
            Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.GroupRead), "not through the umask");
            Assert.That(Temporaries(), Is.Empty);
        });
    }

    [Test]
    public void A_write_that_fails_leaves_the_old_file_and_no_temporary()
    {
        var path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, "old");
        Assert.That(() => AtomicFile.Replace(path, output =>
        {
            output.Write("half"u8);
            throw new IOException("disk full");
        }, durable: false), Throws.InstanceOf<IOException>().With.Message.EqualTo("disk full"));
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(path), Is.EqualTo("old"));
            Assert.That(Temporaries(), Is.Empty);
        });
    }

    [Test]
    public void A_link_planted_at_the_temporary_name_is_replaced_never_followed()
    {
        var target = Path.Combine(_dir, "elsewhere");
        File.WriteAllText(target, "keep");
        File.CreateSymbolicLink(Path.Combine(_dir, AtomicFile.TemporaryName("x", Environment.ProcessId)), target);
        AtomicFile.Replace(Path.Combine(_dir, "x"), output => output.Write("mine"u8), durable: false);
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(target), Is.EqualTo("keep"));
            Assert.That(File.ReadAllText(Path.Combine(_dir, "x")), Is.EqualTo("mine"));
        });
    }

    [Test]
    public void CreateNew_never_replaces_a_file_a_taken_name_gets_a_number()
    {
        using var dir = Interop.Open(_dir, Interop.OpenFlags.O_RDONLY | Interop.OpenFlags.O_DIRECTORY | Interop.OpenFlags.O_CLOEXEC, "open");
        var first = AtomicFile.CreateNew(dir, _dir, "trace", ".dat", output => output.Write("1"u8), durable: true);
        var second = AtomicFile.CreateNew(dir, _dir, "trace", ".dat", output => output.Write("2"u8), durable: true);
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo(Path.Combine(_dir, "trace.dat")));
            Assert.That(second, Is.EqualTo(Path.Combine(_dir, "trace.1.dat")));
            Assert.That(File.ReadAllText(first), Is.EqualTo("1"));
            Assert.That(Temporaries(), Is.Empty);
        });
    }

    [TestCase(".name.json.1234.partial", "name.json", 1234)]
    [TestCase("..1.partial", null, 0)]
    [TestCase("name.json.1234.partial", null, 0)]
    [TestCase(".name.json.01234.partial", null, 0)]
    [TestCase(".name.json.12345678901.partial", null, 0)]
    [TestCase(".name.json.1234.partial.bak", null, 0)]
    [TestCase(".name.json.-5.partial", null, 0)]
    public void Temporary_names_are_read_back_exactly(string fileName, string? name, int pid)
    {
        var parsed = AtomicFile.ParseTemporary(fileName);
        Assert.That(parsed, Is.EqualTo(name is null ? null : (name, pid)));
        if (name is not null) Assert.That(AtomicFile.TemporaryName(name, pid), Is.EqualTo(fileName));
    }

    [Test]
    public void Only_the_temporaries_of_ended_writers_that_the_caller_owns_are_removed()
    {
        string Put(string name)
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllText(path, "");
            return path;
        }
        var ended = Put(AtomicFile.TemporaryName("a.json", 999999901));
        var running = Put(AtomicFile.TemporaryName("b.json", Environment.ProcessId));
        var notOurs = Put(AtomicFile.TemporaryName("c.other", 999999901));
        var removed = AtomicFile.RemoveAbandoned(_dir, name => name.EndsWith(".json", StringComparison.Ordinal));
        Assert.Multiple(() =>
        {
            Assert.That(removed, Is.EqualTo(1));
            Assert.That(File.Exists(ended), Is.False);
            Assert.That(File.Exists(running), Is.True, "a writer still running keeps its temporary");
            Assert.That(File.Exists(notOurs), Is.True);
        });
    }
}
