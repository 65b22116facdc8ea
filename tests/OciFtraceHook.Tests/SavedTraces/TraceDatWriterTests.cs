using OciFtraceHook.Decoding;
using OciFtraceHook.HostFiles;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tables;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tests.SavedTraces;

/// <summary>The trace.dat writer against our reader, on pages laid out as the kernel lays them.</summary>
public class TraceDatWriterTests
{
    internal static SyntheticTrace Sample()
    {
        var trace = new SyntheticTrace();
        trace.Comms[100] = "cat";
        trace.Comms[101] = "sh";
        trace.Openat(0, 5_000_000_000, 100, 0xffffff9c, 0x7ffd1000, 0x80000, 0, 3, 5_000_004_000)
            .Openat(1, 5_000_002_000, 101, 0xffffff9c, 0x7ffd2000, 0, 0, -2, 5_000_003_000)
            .Marker(1, 5_000_010_000, 101, "hello from a long marker line " + new string('x', 200))
            // 10 s later: a gap that needs a time extend.
            .Openat(0, 15_000_000_000, 100, 3, 0x7ffd3000, 0x241, 0x1b6, 4, 15_000_000_900);
        return trace;
    }

    internal static byte[] Write(SyntheticTrace trace, long lost = 0)
    {
        var output = new MemoryStream();
        TraceDatWriter.Write(output, trace.Capture(lost), new TraceDatMetadata
        {
            ContainerId = "c0ffee", Name = "web/app", Instance = "oft-c0ffee", Arch = "arm64", KernelRelease = "6.18.0", LostEvents = lost,
        }, "Linux 6.18.0 #1 SMP aarch64");
        return output.ToArray();
    }

    [Test]
    public void The_file_starts_with_trace_cmds_magic_and_version_6_and_its_pages_are_page_aligned()
    {
        var bytes = Write(Sample());
        Assert.That(TraceDatFormat.HasMagic(bytes), Is.True);
        Assert.That(bytes[10..12], Is.EqualTo("6\0"u8.ToArray()));
        var file = TraceDatFile.Open(new MemoryStream(bytes), "test");
        Assert.That(file.CpuData.Select(c => c.Offset % SyntheticTrace.PageSize), Is.All.Zero);
        Assert.That(file.CpuData.Select(c => c.Cpu), Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public void The_container_travels_in_the_hooks_option()
    {
        var file = TraceDatFile.Open(new MemoryStream(Write(Sample(), lost: 12)), "test");
        Assert.That(file.Metadata, Is.Not.Null);
        Assert.Multiple(() =>
        {
            Assert.That(file.Metadata!.ContainerId, Is.EqualTo("c0ffee"));
            Assert.That(file.Metadata.Name, Is.EqualTo("web/app"));
            Assert.That(file.Metadata.KernelRelease, Is.EqualTo("6.18.0"));
            Assert.That(file.Metadata.LostEvents, Is.EqualTo(12));
            Assert.That(file.Arch, Is.EqualTo(TraceArch.Arm64));
            Assert.That(file.Uname, Is.EqualTo("Linux 6.18.0 #1 SMP aarch64"));
        });
    }

    [Test]
    public void The_owner_is_found_by_walking_the_header_alone()
    {
        var bytes = Write(Sample());
        Assert.That(TraceDatFile.ReadMetadata(new MemoryStream(bytes))?.ContainerId, Is.EqualTo("c0ffee"));
        Assert.That(TraceDatFile.ReadMetadata(new MemoryStream("# oci-ftrace-hook: container x\n"u8.ToArray())), Is.Null, "a text trace");
        Assert.That(TraceDatFile.ReadMetadata(new MemoryStream(bytes[..200])), Is.Null, "a cut one");
    }

    [Test]
    public void Events_come_back_in_time_order_with_their_fields()
    {
        var file = TraceDatFile.Open(new MemoryStream(Write(Sample())), "test");
        var events = new List<string>();
        new TraceDatEvents(file, "test").Read(e => events.Add(e.Kind switch
        {
            TraceEventKind.SyscallEnter => $"{e.TimeNs} {e.Cpu} {e.Comm}-{e.Tid} enter {e.Name} {string.Join(",", e.Args.Take(e.ArgCount).Select(a => a.ToString("x")))}",
            TraceEventKind.SyscallExit => $"{e.TimeNs} {e.Cpu} {e.Comm}-{e.Tid} exit {e.Name} {e.Return}",
            TraceEventKind.Marker => $"{e.TimeNs} {e.Cpu} {e.Comm}-{e.Tid} marker {e.Text.Length}",
            _ => e.Kind.ToString(),
        }));
        Assert.That(events, Is.EqualTo(new[]
        {
            "5000000000 0 cat-100 enter openat ffffff9c,7ffd1000,80000,0",
            "5000002000 1 sh-101 enter openat ffffff9c,7ffd2000,0,0",
            "5000003000 1 sh-101 exit openat -2",
            "5000004000 0 cat-100 exit openat 3",
            "5000010000 1 sh-101 marker 230",
            "15000000000 0 cat-100 enter openat 3,7ffd3000,241,1b6",
            "15000001000 0 cat-100 exit openat 4",
        }));
    }

    [Test]
    public void Lost_events_marked_in_a_page_come_before_its_events()
    {
        var trace = Sample().LoseBefore(1, 77);
        var file = TraceDatFile.Open(new MemoryStream(Write(trace)), "test");
        var kinds = new List<string>();
        new TraceDatEvents(file, "test").Read(e => kinds.Add(e.Kind == TraceEventKind.LostEvents ? $"lost {e.Lost} on {e.Cpu}" : e.Kind.ToString()));
        Assert.That(kinds.IndexOf("lost 77 on 1"), Is.EqualTo(1), string.Join(", ", kinds));
    }

    /// <summary>AtomicSave into <paramref name="dir"/>, opened by handle as the hook opens a save directory.</summary>
    private static string Save(string dir, string baseName, string extension, Action<Stream> write)
    {
        using var handle = SaveDirectory.Open(dir, create: false);
        return AtomicSave.Create(handle, dir, baseName, extension, write);
    }

    [Test]
    public void A_save_that_fails_halfway_leaves_no_file_under_any_name()
    {
        var dir = Directory.CreateTempSubdirectory("atomic-save").FullName;
        try
        {
            Assert.That(() => Save(dir, "trace", ".trace", output =>
            {
                output.Write(new byte[100_000]);
                throw new IOException("No space left on device");
            }), Throws.InstanceOf<IOException>());
            Assert.That(Directory.GetFileSystemEntries(dir), Is.Empty, "neither the trace nor its temporary file");

            var first = Save(dir, "trace", ".trace", output => output.Write("one"u8));
            var second = Save(dir, "trace", ".trace", output => output.Write("two"u8));
            Assert.That(Path.GetFileName(first), Is.EqualTo("trace.trace"));
            Assert.That(Path.GetFileName(second), Is.EqualTo("trace.1.trace"), "a taken name is never replaced");
            Assert.That(File.ReadAllText(first), Is.EqualTo("one"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void A_planted_symlink_at_the_temporary_name_is_not_followed()
    {
        var dir = Directory.CreateTempSubdirectory("atomic-save").FullName;
        var target = Path.Combine(dir, "victim");
        try
        {
            File.WriteAllText(target, "keep");
            File.CreateSymbolicLink(Path.Combine(dir, AtomicFile.TemporaryName("trace", Environment.ProcessId)), target);
            Save(dir, "trace", ".trace", output => output.Write("new"u8));
            Assert.That(File.ReadAllText(target), Is.EqualTo("keep"));
            Assert.That(File.ReadAllText(Path.Combine(dir, "trace.trace")), Is.EqualTo("new"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void The_save_lands_in_the_directory_opened_even_when_its_path_is_swapped_for_a_symlink_meanwhile()
    {
        var root = Directory.CreateTempSubdirectory("atomic-save").FullName;
        var saveDir = Directory.CreateDirectory(Path.Combine(root, "traces")).FullName;
        var moved = Path.Combine(root, "traces-moved");
        var elsewhere = Directory.CreateDirectory(Path.Combine(root, "elsewhere")).FullName;
        try
        {
            using var handle = SaveDirectory.Open(saveDir, create: false);
            // After the check, someone moves the directory away and puts a symlink in its place.
            Directory.Move(saveDir, moved);
            File.CreateSymbolicLink(saveDir, elsewhere);
            AtomicSave.Create(handle, saveDir, "trace", ".trace", output =>
            {
                output.Write("first"u8);
                // And swaps it again while the file is being written.
                File.Delete(saveDir);
                File.CreateSymbolicLink(saveDir, elsewhere);
                output.Write(" second"u8);
            });
            Assert.That(Directory.GetFileSystemEntries(elsewhere), Is.Empty, "nothing reaches the symlink's target");
            Assert.That(Directory.GetFileSystemEntries(moved).Select(Path.GetFileName), Is.EqualTo(new[] { "trace.trace" }),
                "the whole file, under its final name, in the directory that was opened and checked; no temporary left");
            Assert.That(File.ReadAllText(Path.Combine(moved, "trace.trace")), Is.EqualTo("first second"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
