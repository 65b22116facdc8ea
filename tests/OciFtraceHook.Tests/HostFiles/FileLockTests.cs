using OciFtraceHook.HostFiles;

namespace OciFtraceHook.Tests.HostFilesTests;

public class FileLockTests
{
    private string _dir = null!;

    [SetUp]
    public void Create() => _dir = Directory.CreateTempSubdirectory("file-lock-").FullName;

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    [Test]
    public void A_held_lock_is_refused_to_another_taker_until_it_is_released()
    {
        var path = Path.Combine(_dir, "x.lock");
        using (var held = FileLock.TryAcquire(path, TimeSpan.Zero))
        {
            Assert.That(held, Is.Not.Null);
            using var second = FileLock.TryAcquire(path, TimeSpan.FromMilliseconds(50));
            Assert.That(second, Is.Null, "flock is per open file: a second open of the same file waits");
        }
        using var after = FileLock.TryAcquire(path, TimeSpan.Zero);
        Assert.That(after, Is.Not.Null);
    }

    [Test]
    public void A_missing_lock_file_is_not_made_when_asked_not_to()
    {
        var path = Path.Combine(_dir, "absent.lock");
        Assert.That(FileLock.TryAcquire(path, TimeSpan.Zero, create: false), Is.Null);
        Assert.That(File.Exists(path), Is.False);
    }

    [Test]
    public void A_lock_file_removed_while_waited_for_is_taken_by_its_name_again()
    {
        var path = Path.Combine(_dir, "spool");
        var held = FileLock.TryAcquire(path, TimeSpan.Zero)!;
        var waiter = Task.Run(() => FileLock.TryAcquire(path, TimeSpan.FromSeconds(10)));
        Thread.Sleep(50);
        File.Delete(path); // the holder drops its file, then lets go
        held.Dispose();
        using var taken = waiter.Result;
        Assert.That(taken, Is.Not.Null);
        Assert.That(File.Exists(path), Is.True, "the waiter holds a file that has the name, not the deleted one");
    }

    [Test]
    public void A_link_at_the_lock_name_is_refused()
    {
        var path = Path.Combine(_dir, "x.lock");
        File.CreateSymbolicLink(path, Path.Combine(_dir, "target"));
        Assert.That(() => FileLock.TryAcquire(path, TimeSpan.Zero), Throws.InstanceOf<SyscallException>());
        Assert.That(File.Exists(Path.Combine(_dir, "target")), Is.False);
    }
}
