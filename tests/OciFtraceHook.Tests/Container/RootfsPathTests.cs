using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Container;

namespace OciFtraceHook.Tests.Container;

public class RootfsPathTests
{
    private string _temp = null!;
    private string _rootfs = null!;
    private string _host = null!;
    private SafeFileHandle _root = null!;

    [SetUp]
    public void CreateRootfs()
    {
        _temp = Directory.CreateTempSubdirectory("rootfs-path-").FullName;
        _rootfs = Path.Combine(_temp, "rootfs");
        _host = Path.Combine(_temp, "host");
        Directory.CreateDirectory(Path.Combine(_rootfs, "a", "b"));
        Directory.CreateDirectory(Path.Combine(_rootfs, "etc"));
        File.WriteAllText(Path.Combine(_rootfs, "a", "file"), "in root");
        Directory.CreateDirectory(_host);
        File.WriteAllText(Path.Combine(_host, "marker"), "host");
        // Owned by the container: links aimed at the host, absolute and relative, and one that stays inside.
        File.CreateSymbolicLink(Path.Combine(_rootfs, "evil"), _host);
        File.CreateSymbolicLink(Path.Combine(_rootfs, "evil-relative"), "../host");
        File.CreateSymbolicLink(Path.Combine(_rootfs, "a", "inside"), "b");
        _root = RootfsPath.OpenRoot(_rootfs);
    }

    [TearDown]
    public void RemoveRootfs()
    {
        _root.Dispose();
        Directory.Delete(_temp, recursive: true);
    }

    /// <summary>Where a handle really points, as the kernel says.</summary>
    private static string Target(SafeFileHandle handle) =>
        new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget!;

    /// <summary>The rootfs as the kernel names it (the temp dir may sit behind a symlink).</summary>
    private string RealRootfs => Target(_root);

    private string InRoot(string relative) => Path.Combine(RealRootfs, relative);

    private static SyscallException Refused(Func<SafeFileHandle> open)
    {
        SafeFileHandle? leaked = null;
        var error = Assert.Throws<SyscallException>(() => leaked = open());
        leaked?.Dispose();
        return error!;
    }

    private string[] HostEntries() => Directory.GetFileSystemEntries(_host).Select(Path.GetFileName).ToArray()!;

    private static IEnumerable<bool> BothModes() => [false, true];

    [Test]
    public void The_root_handle_is_the_rootfs()
    {
        Assert.That(RealRootfs, Does.EndWith("/rootfs"));
        Assert.That(Directory.Exists(RealRootfs), Is.True);
    }

    [TestCaseSource(nameof(BothModes))]
    public void A_real_directory_is_opened(bool walk)
    {
        using var handle = RootfsPath.Open(_root, "/a/b", directory: true, Resolution(walk));
        Assert.That(Target(handle), Is.EqualTo(InRoot("a/b")));
    }

    [TestCaseSource(nameof(BothModes))]
    public void A_real_file_is_opened(bool walk)
    {
        using var handle = RootfsPath.Open(_root, "/a/file", directory: false, Resolution(walk));
        Assert.That(Target(handle), Is.EqualTo(InRoot("a/file")));
    }

    [TestCaseSource(nameof(BothModes))]
    public void The_root_itself_is_opened_for_an_empty_path(bool walk)
    {
        using var slash = RootfsPath.Open(_root, "/", directory: true, Resolution(walk));
        using var empty = RootfsPath.Open(_root, "", directory: true, Resolution(walk));
        Assert.Multiple(() =>
        {
            Assert.That(Target(slash), Is.EqualTo(RealRootfs));
            Assert.That(Target(empty), Is.EqualTo(RealRootfs));
        });
    }

    [TestCaseSource(nameof(BothModes))]
    public void A_missing_path_is_ENOENT(bool walk)
    {
        var error = Refused(() => RootfsPath.Open(_root, "/a/nothing", directory: false, Resolution(walk)));
        Assert.Multiple(() =>
        {
            Assert.That(error.Errno, Is.EqualTo(Interop.ENOENT));
            Assert.That(error.Message, Does.Contain("/a/nothing").And.Contain("ENOENT"));
        });
    }

    [TestCaseSource(nameof(BothModes))]
    public void A_file_asked_for_as_a_directory_is_refused(bool walk)
    {
        var error = Refused(() => RootfsPath.Open(_root, "/a/file", directory: true, Resolution(walk)));
        Assert.That(error.Errno, Is.EqualTo(20 /* ENOTDIR */));
    }

    [TestCase("/evil/marker", false)]
    [TestCase("/evil-relative/marker", false)]
    [TestCase("/evil", true)]
    [TestCase("/evil", false)]
    [TestCase("/evil-relative", true)]
    public void A_symlink_to_the_host_is_refused_with_ELOOP(string path, bool directory)
    {
        var error = Refused(() => RootfsPath.Open(_root, path, directory));
        Assert.Multiple(() =>
        {
            Assert.That(error.Errno, Is.EqualTo(Interop.ELOOP));
            Assert.That(error.Message, Does.Contain(path).And.Contain("ELOOP"));
            Assert.That(File.ReadAllText(Path.Combine(_host, "marker")), Is.EqualTo("host"));
        });
    }

    [TestCase("/a/inside", true)]
    [TestCase("/a/inside/", true)]
    [TestCase("/a/inside", false)]
    public void A_symlink_that_stays_inside_is_refused_too(string path, bool directory)
    {
        var error = Refused(() => RootfsPath.Open(_root, path, directory));
        Assert.That(error.Errno, Is.EqualTo(Interop.ELOOP));
    }

    [TestCase("/../../etc", "etc")]
    [TestCase("/../../../../../../../etc", "etc")]
    [TestCase("/a/../../a/b", "a/b")]
    [TestCase("/a/b/../../..", "")]
    public void Dot_dot_stays_inside_the_root(string path, string expected)
    {
        using var handle = RootfsPath.Open(_root, path, directory: true);
        Assert.That(Target(handle), Is.EqualTo(expected.Length == 0 ? RealRootfs : InRoot(expected)));
    }

    [Test]
    public void Dot_dot_never_reaches_the_hosts_siblings_of_the_root()
    {
        var error = Refused(() => RootfsPath.Open(_root, "/../host/marker", directory: false));
        Assert.That(error.Errno, Is.EqualTo(Interop.ENOENT));
    }

    [TestCase("/evil", false)]
    [TestCase("/evil-relative", false)]
    [TestCase("/a/inside", false)]
    public void The_walk_refuses_a_symlink_as_the_last_component_with_ELOOP(string path, bool directory)
    {
        var error = Refused(() => RootfsPath.Open(_root, path, directory, PathResolution.Walk));
        Assert.Multiple(() =>
        {
            Assert.That(error.Errno, Is.EqualTo(Interop.ELOOP), error.Message);
            Assert.That(error.Message, Does.Contain(path).And.Contain("a symlink in the path is refused"));
        });
    }

    [TestCase("/evil/marker", false)]
    [TestCase("/evil-relative/marker", false)]
    [TestCase("/a/inside/x", false)]
    [TestCase("/a/inside/", true)]
    [TestCase("/evil", true)]
    [TestCase("/a/inside", true)]
    public void The_walk_refuses_any_symlink_component(string path, bool directory)
    {
        var error = Refused(() => RootfsPath.Open(_root, path, directory, PathResolution.Walk));
        Assert.Multiple(() =>
        {
            Assert.That(error.Errno, Is.Not.EqualTo(Interop.ENOENT), error.Message);
            Assert.That(error.Message, Does.Contain(" in rootfs").And.Contain(path));
            Assert.That(File.ReadAllText(Path.Combine(_host, "marker")), Is.EqualTo("host"));
        });
    }

    [TestCase("/evil/marker", false)]
    [TestCase("/evil-relative/marker", false)]
    [TestCase("/a/inside/x", false)]
    [TestCase("/evil", true)]
    [TestCase("/a/inside", true)]
    public void The_walk_refuses_every_symlink_with_ELOOP_as_documented(string path, bool directory)
    {
        var error = Refused(() => RootfsPath.Open(_root, path, directory, PathResolution.Walk));
        Assert.That(error.Errno, Is.EqualTo(Interop.ELOOP), error.Message);
    }

    [TestCase("/../etc")]
    [TestCase("/a/../a/b")]
    [TestCase("/a/./b")]
    [TestCase("/..")]
    public void The_walk_refuses_dot_and_dot_dot(string path)
    {
        var error = Refused(() => RootfsPath.Open(_root, path, directory: true, PathResolution.Walk));
        Assert.That(error.Errno, Is.EqualTo(Interop.EXDEV));
    }

    [TestCaseSource(nameof(BothModes))]
    public void Missing_directories_are_created_inside_the_root(bool walk)
    {
        using var handle = RootfsPath.OpenOrCreateDirectory(_root, "/sys/kernel/tracing", Resolution(walk));
        Assert.Multiple(() =>
        {
            Assert.That(Target(handle), Is.EqualTo(InRoot("sys/kernel/tracing")));
            Assert.That(Directory.Exists(Path.Combine(_rootfs, "sys", "kernel", "tracing")), Is.True);
        });
    }

    [TestCaseSource(nameof(BothModes))]
    public void An_existing_directory_is_opened_as_is(bool walk)
    {
        using var handle = RootfsPath.OpenOrCreateDirectory(_root, "/a/b/", Resolution(walk));
        Assert.Multiple(() =>
        {
            Assert.That(Target(handle), Is.EqualTo(InRoot("a/b")));
            Assert.That(Directory.GetFileSystemEntries(Path.Combine(_rootfs, "a", "b")), Is.Empty);
        });
    }

    [TestCaseSource(nameof(BothModes))]
    public void The_root_is_opened_for_an_empty_directory_path(bool walk)
    {
        using var handle = RootfsPath.OpenOrCreateDirectory(_root, "/", Resolution(walk));
        Assert.That(Target(handle), Is.EqualTo(RealRootfs));
    }

    [TestCase("/evil/sub", false)]
    [TestCase("/evil/sub/deeper", false)]
    [TestCase("/evil-relative/sub", false)]
    [TestCase("/evil/sub", true)]
    [TestCase("/evil-relative/sub/deeper", true)]
    public void Nothing_is_created_through_a_symlink_to_the_host(string path, bool walk)
    {
        var error = Refused(() => RootfsPath.OpenOrCreateDirectory(_root, path, Resolution(walk)));
        Assert.Multiple(() =>
        {
            // openat2 says ELOOP; the walk refuses too, see The_walk_refuses_every_symlink_with_ELOOP_as_documented.
            Assert.That(error.Errno, walk ? Is.Not.EqualTo(Interop.ENOENT) : Is.EqualTo(Interop.ELOOP), error.Message);
            Assert.That(HostEntries(), Is.EquivalentTo(new[] { "marker" }), "the host directory is untouched");
            Assert.That(new FileInfo(Path.Combine(_rootfs, "evil")).LinkTarget, Is.EqualTo(_host), "the link is left as it was");
        });
    }

    [TestCaseSource(nameof(BothModes))]
    public void Nothing_is_created_at_the_target_of_a_dangling_symlink(bool walk)
    {
        var target = Path.Combine(_temp, "made-through-link");
        File.CreateSymbolicLink(Path.Combine(_rootfs, "dangling"), target);
        var error = Refused(() => RootfsPath.OpenOrCreateDirectory(_root, "/dangling/sub", Resolution(walk)));
        Assert.Multiple(() =>
        {
            Assert.That(error.Errno, Is.Not.EqualTo(Interop.ENOENT), error.Message);
            Assert.That(Directory.Exists(target), Is.False);
            Assert.That(File.Exists(target), Is.False);
        });
    }

    [Test]
    public void Nothing_is_created_through_a_symlink_that_stays_inside()
    {
        var error = Refused(() => RootfsPath.OpenOrCreateDirectory(_root, "/a/inside/new"));
        Assert.Multiple(() =>
        {
            Assert.That(error.Errno, Is.EqualTo(Interop.ELOOP));
            Assert.That(Directory.Exists(Path.Combine(_rootfs, "a", "b", "new")), Is.False);
        });
    }

    [Test]
    public void Dot_dot_in_a_created_path_stays_inside_the_root()
    {
        using var handle = RootfsPath.OpenOrCreateDirectory(_root, "/../../escape");
        Assert.Multiple(() =>
        {
            Assert.That(Target(handle), Is.EqualTo(InRoot("escape")));
            Assert.That(Directory.Exists(Path.Combine(_rootfs, "escape")), Is.True);
            Assert.That(Directory.Exists(Path.Combine(_temp, "escape")), Is.False);
            Assert.That(Directory.Exists(Path.Combine(Path.GetDirectoryName(_temp)!, "escape")), Is.False);
        });
    }

    private static PathResolution Resolution(bool walk) => walk ? PathResolution.Walk : PathResolution.Kernel;
}
