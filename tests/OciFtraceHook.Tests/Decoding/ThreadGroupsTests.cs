using System.Buffers.Binary;
using System.Text;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;
using OciFtraceHook.TraceDat;
using OciFtraceHook.Tests.SavedTraces;

namespace OciFtraceHook.Tests.Decoding;

/// <summary>Which process each thread belongs to, told from the task_newtask events the hook
/// records, alike from a trace.dat and from text without a TGID column.</summary>
public class ThreadGroupsTests
{
    private const int NewTaskId = 205;
    // What pthread_create passes (CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|...), and fork.
    private const ulong PthreadFlags = 0x3d0f00, ForkFlags = 0x1200011;

    private static readonly EventFormatText NewTaskFormat = new(NewTaskId, "task", "task_newtask", Encoding.ASCII.GetBytes(
        "name: task_newtask\nID: 205\nformat:\n" +
        "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" +
        "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" +
        "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" +
        "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n" +
        "\tfield:pid_t pid;\toffset:8;\tsize:4;\tsigned:1;\n" +
        "\tfield:char comm[16];\toffset:12;\tsize:16;\tsigned:0;\n" +
        "\tfield:u64 clone_flags;\toffset:32;\tsize:8;\tsigned:0;\n" +
        "\tfield:short oom_score_adj;\toffset:40;\tsize:2;\tsigned:1;\n\n" +
        "print fmt: \"pid=%d comm=%s clone_flags=%llx oom_score_adj=%hd\", REC->pid, REC->comm, REC->clone_flags, REC->oom_score_adj\n"));

    private static byte[] NewTask(int parent, int child, string comm, ulong flags)
    {
        var payload = SyntheticTrace.Payload(44, NewTaskId, parent);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(8), child);
        Encoding.ASCII.GetBytes(comm).CopyTo(payload, 12);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(32), flags);
        return payload;
    }

    /// <summary>The init (100) starts a thread (101) and forks a process (102); the thread starts
    /// another thread (103); the process starts a thread (104). Each then opens a file. A comm the
    /// container chose that reads like flags does not count.</summary>
    private static SyntheticTrace Family()
    {
        var trace = new SyntheticTrace();
        foreach (var pid in new[] { 100, 101, 102, 103, 104 }) trace.Comms[pid] = "app";
        trace.ExtraFormats.Add(NewTaskFormat);
        ulong ts = 5_000_000_000;
        void Made(int parent, int child, ulong flags, string comm = "app") =>
            trace.Event(0, ts += 1000, parent, NewTask(parent, child, comm, flags), $"task_newtask: pid={child} comm={comm} clone_flags={flags:x} oom_score_adj=0");
        Made(100, 101, PthreadFlags);
        Made(100, 102, ForkFlags, "x clone_flags=1");
        Made(101, 103, PthreadFlags);
        Made(102, 104, PthreadFlags);
        foreach (var pid in new[] { 100, 101, 102, 103, 104 })
            trace.Openat(1, ts += 1000, pid, 0xffffff9c, 0x7ffd1000, 0, 0, 3, ts += 1000);
        return trace;
    }

    private static readonly Dictionary<int, int> Expected = new() { [100] = 100, [101] = 100, [102] = 102, [103] = 100, [104] = 102 };

    [Test]
    public void Threads_join_their_makers_process_and_forks_start_their_own_in_a_trace_dat()
    {
        var output = new MemoryStream();
        TraceDatWriter.Write(output, Family().Capture(), new TraceDatMetadata { ContainerId = "c", Arch = "x86_64" }, "Linux x86_64");
        var groups = new Dictionary<int, int>();
        new TraceDatEvents(TraceDatFile.Open(new MemoryStream(output.ToArray()), "test.dat"), "test.dat").Read(e =>
        {
            if (e.Kind == TraceEventKind.SyscallEnter) groups[e.Tid] = e.Tgid;
        });
        Assert.That(groups, Is.EquivalentTo(Expected));
    }

    [Test]
    public void The_same_from_text_without_a_tgid_column()
    {
        var parser = new TraceLineParser();
        var e = new TraceEvent();
        var groups = new Dictionary<int, int>();
        foreach (var line in Family().Text().Split('\n'))
        {
            if (parser.TryParse(line, e) && e.Kind == TraceEventKind.SyscallEnter) groups[e.Tid] = e.Tgid;
        }
        Assert.That(groups, Is.EquivalentTo(Expected));
    }

    [Test]
    public void Show_prints_a_thread_as_its_process_and_its_own_id_as_strace_does()
    {
        var output = new MemoryStream();
        TraceDatWriter.Write(output, Family().Capture(), new TraceDatMetadata { ContainerId = "c", Arch = "x86_64" }, "Linux x86_64");
        var writer = new StringWriter { NewLine = "\n" };
        TraceInput.Decode(new MemoryStream(output.ToArray()), new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer), "test.dat");
        var shown = writer.ToString();
        Assert.Multiple(() =>
        {
            Assert.That(shown, Does.Contain("100/103 ").And.Contain("102/104 ").And.Contain("100/101 "));
            Assert.That(shown, Does.Not.Contain("/102 ").And.Not.Contain("/100 "), "a process's own thread is shown by its id alone");
        });
    }

    [Test]
    public void A_thread_never_seen_made_is_its_own_group_and_a_reused_id_takes_its_newest_maker()
    {
        var groups = new ThreadGroups();
        groups.Made(100, 101, PthreadFlags);
        Assert.That(groups.Of(101), Is.EqualTo(100));
        Assert.That(groups.Of(555), Is.EqualTo(555), "the init, or a thread whose event was overwritten");
        groups.Made(200, 101, ForkFlags);
        Assert.That(groups.Of(101), Is.EqualTo(101), "101 ended and its id went to a forked process");
    }
}
