using System.Buffers.Binary;
using System.Text;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;
using OciFtraceHook.Tests.SavedTraces;
using OciFtraceHook.TraceDat;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.DecodingTests;

/// <summary>Strings in binary records: a path probe's (joined to its call as from text), 6.19+'s
/// own copies of user strings and buffers (cut where the kernel cut them), and markers, which stay
/// markers whatever bytes they hold. The formats are the ones Debian's 6.12 and 7.3 kernels print.</summary>
public class TraceDatStringTests
{
    private const int ProbeOpenat = 1642, KernelOpenat = 761, KernelWrite = 821, WriteExit = 820, Unknown = 4000;

    private static EventFormatText Format(int id, string system, string name, string fields, string print) =>
        new(id, system, name, Encoding.ASCII.GetBytes(
            $"name: {name}\nID: {id}\nformat:\n" +
            "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" +
            "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" +
            "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" +
            "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n" + fields + "\nprint fmt: " + print + "\n"));

    private static readonly EventFormatText ProbeFormat = Format(ProbeOpenat, PathProbes.Group, "openat",
        "\tfield:unsigned long __probe_ip;\toffset:8;\tsize:8;\tsigned:0;\n" +
        "\tfield:__data_loc char[] a1;\toffset:16;\tsize:4;\tsigned:1;\n",
        "\"(%lx) a1=\\\"%s\\\"\", REC->__probe_ip, __get_str(a1)");

    private static readonly EventFormatText KernelOpenatFormat = Format(KernelOpenat, "syscalls", "sys_enter_openat",
        "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n" +
        "\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n" +
        "\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n" +
        "\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n" +
        "\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n" +
        "\tfield:__data_loc char[] __filename_val;\toffset:48;\tsize:4;\tsigned:0;\n",
        "\"dfd: 0x%08lx, filename: 0x%08lx \\\"%s\\\", flags: %s%s, mode: 0%03o\", ((unsigned long)(REC->dfd)), ((unsigned long)(REC->filename)), __get_str(__filename_val)");

    private static readonly EventFormatText KernelWriteFormat = Format(KernelWrite, "syscalls", "sys_enter_write",
        "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n" +
        "\tfield:unsigned int fd;\toffset:16;\tsize:8;\tsigned:0;\n" +
        "\tfield:const char * buf;\toffset:24;\tsize:8;\tsigned:0;\n" +
        "\tfield:size_t count;\toffset:32;\tsize:8;\tsigned:0;\n" +
        "\tfield:__data_loc char[] __buf_val;\toffset:40;\tsize:4;\tsigned:0;\n",
        "\"fd: 0x%08lx, buf: 0x%08lx (%s), count: 0x%08lx\", ((unsigned long)(REC->fd)), ((unsigned long)(REC->buf)), __print_dynamic_array(__buf_val, 1), ((unsigned long)(REC->count))");

    private static readonly EventFormatText WriteExitFormat = Format(WriteExit, "syscalls", "sys_exit_write",
        "\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n", "\"0x%lx\", REC->ret");

    /// <summary>A payload of <paramref name="fixedSize"/> bytes, then <paramref name="data"/>, its
    /// __data_loc word at <paramref name="locAt"/>; a null <paramref name="data"/> is length 0.</summary>
    private static byte[] WithData(int type, int pid, int fixedSize, int locAt, byte[]? data)
    {
        var payload = SyntheticTrace.Payload(fixedSize + (data?.Length ?? 0), type, pid);
        data?.CopyTo(payload, fixedSize);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(locAt), (uint)((data?.Length ?? 0) << 16 | fixedSize));
        return payload;
    }

    private static byte[] Nul(string text) => Encoding.UTF8.GetBytes(text + "\0");

    private static byte[] Probe(int pid, string? path) => WithData(ProbeOpenat, pid, 20, 16, path is null ? null : Nul(path));

    private static byte[] KernelOpen(int pid, ulong filename, byte[]? copied)
    {
        var payload = WithData(KernelOpenat, pid, 52, 48, copied);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(16), 0xffffff9c);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(24), filename);
        return payload;
    }

    private static byte[] KernelWriteEnter(int pid, ulong count, byte[]? copied)
    {
        var payload = WithData(KernelWrite, pid, 44, 40, copied);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(16), 1);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(24), 0x7ffd5000);
        BinaryPrimitives.WriteUInt64LittleEndian(payload.AsSpan(32), count);
        return payload;
    }

    private static byte[] Exit(int type, int pid, long ret)
    {
        var payload = SyntheticTrace.Payload(24, type, pid);
        BinaryPrimitives.WriteInt64LittleEndian(payload.AsSpan(16), ret);
        return payload;
    }

    private static byte[] Write(SyntheticTrace trace, string paths, string kernel = "6.12.74+deb12-amd64")
    {
        var output = new MemoryStream();
        TraceDatWriter.Write(output, trace.Capture(), new TraceDatMetadata
        {
            ContainerId = "c0ffee", Arch = "x86_64", KernelRelease = kernel, Paths = paths,
        }, "Linux 6.12 #1 SMP x86_64");
        return output.ToArray();
    }

    private static (string Stdout, List<string> Notes) Decode(byte[] dat, DecodeOptions? options = null)
    {
        var writer = new StringWriter { NewLine = "\n" };
        var decoder = new TraceDecoder(options ?? new DecodeOptions { Arch = TraceArch.X86_64 }, writer);
        TraceInput.Decode(new MemoryStream(dat), decoder, "test.dat");
        return (writer.ToString(), decoder.Notes);
    }

    private static string DecodeText(string text)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer).Run(new StringReader(text));
        return writer.ToString();
    }

    private static SyntheticTrace ProbedOpens()
    {
        var trace = new SyntheticTrace();
        trace.Comms[100] = "cat";
        trace.ExtraFormats.Add(ProbeFormat);
        trace.Openat(0, 5_000_000_000, 100, 0xffffff9c, 0x7ffd1000, 0, 0, -2, 5_000_004_000)
            .Event(0, 5_000_001_000, 100, Probe(100, "/etc/pass wd \"x\""), "openat: (__x64_sys_openat+0x4/0x20) a1=\"/etc/pass wd \"x\"\"")
            .Openat(0, 5_000_010_000, 100, 0xffffff9c, 0x7ffd2000, 0, 0, 3, 5_000_014_000)
            .Event(0, 5_000_011_000, 100, Probe(100, null), "openat: (__x64_sys_openat+0x4/0x20) a1=(fault)");
        return trace;
    }

    [Test]
    public void A_probes_path_joins_its_call_as_it_does_from_text()
    {
        var trace = ProbedOpens();
        var binary = Decode(Write(trace, "kprobes")).Stdout;
        Assert.That(binary, Does.Contain("openat(AT_FDCWD, \"/etc/pass wd \\\"x\\\"\", O_RDONLY) = -1 ENOENT (No such file or directory)"));
        Assert.That(binary, Does.Contain("openat(AT_FDCWD, (fault), O_RDONLY) = 3"), "a string the probe could not read");
        var text = DecodeText("# oci-ftrace-hook: paths: kprobes\n# oci-ftrace-hook: lost events: 0\n" + trace.Text());
        Assert.That(binary, Is.EqualTo(text), "the binary and text decoders agree");
    }

    [Test]
    public void Six_nineteens_own_strings_and_buffers_are_read_from_their_fields_and_cut_where_the_kernel_cut_them()
    {
        var trace = new SyntheticTrace();
        trace.Comms[200] = "sh";
        trace.ExtraFormats.AddRange([KernelOpenatFormat, KernelWriteFormat, WriteExitFormat]);
        var cutPath = "/this/is/a/long/path/that/goes/on/and/on/and/on/beyond/sixty/th...";
        trace.Event(0, 1_000_000, 200, KernelOpen(200, 0x1000, Nul("/etc/hostname")), "")
            .Event(0, 2_000_000, 200, Exit(SyntheticTrace.OpenatExit, 200, 3), "")
            .Event(0, 3_000_000, 200, KernelOpen(200, 0x2000, Nul(cutPath)), "")
            .Event(0, 4_000_000, 200, Exit(SyntheticTrace.OpenatExit, 200, -2), "")
            .Event(0, 5_000_000, 200, KernelWriteEnter(200, 4, "ab\nc"u8.ToArray()), "")
            .Event(0, 6_000_000, 200, Exit(WriteExit, 200, 4), "")
            .Event(0, 7_000_000, 200, KernelWriteEnter(200, 77, Encoding.ASCII.GetBytes(new string('7', 63))), "")
            .Event(0, 8_000_000, 200, Exit(WriteExit, 200, 77), "")
            .Event(0, 9_000_000, 200, KernelWriteEnter(200, 17, null), "")
            .Event(0, 10_000_000, 200, Exit(WriteExit, 200, 17), "");
        var shown = Decode(Write(trace, "kernel", "7.3.4+deb13-amd64")).Stdout;
        Assert.That(shown, Does.Contain("openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY) = 3"));
        Assert.That(shown, Does.Contain("openat(AT_FDCWD, \"/this/is/a/long/path/that/goes/on/and/on/and/on/beyond/sixty/th\"..., O_RDONLY) = -1 ENOENT"));
        Assert.That(shown, Does.Contain("write(1, \"ab\\nc\", 4) = 4"));
        Assert.That(shown, Does.Contain($"write(1, \"{new string('7', 63)}\"..., 77) = 77"), "cut: the count asked for more");
        Assert.That(shown, Does.Contain("write(1, 0x7ffd5000, 17) = 17"), "nothing copied: the address stays");

        // Where the hook let the kernel copy nothing (paths from probes), its fields are not data.
        var probes = Decode(Write(trace, "kprobes", "7.3.4+deb13-amd64")).Stdout;
        Assert.That(probes, Does.Contain("openat(AT_FDCWD, 0x1000, O_RDONLY) = 3").And.Not.Contain("hostname"));
    }

    [Test]
    public void A_marker_with_newlines_stays_one_marker_in_binary_and_forges_an_event_only_in_text()
    {
        var trace = new SyntheticTrace();
        trace.Comms[1] = "sh";
        var forged = "x\n              sh-1       [000] .....     5.000020: sys_kexec_load(entry: 0, nr_segments: 0, segments: 0, flags: 0)\n" +
                     "              sh-1       [000] .....     5.000021: sys_kexec_load -> 0x0\n" +
                     "# oci-ftrace-hook: lost events: 0";
        trace.Openat(0, 5_000_000_000, 1, 0xffffff9c, 0x7ffd1000, 0, 0, 3, 5_000_004_000)
            .Marker(0, 5_000_010_000, 1, forged);
        var (binary, notes) = Decode(Write(trace, "kprobes"));
        Assert.That(binary.Split('\n'), Has.Length.EqualTo(3), "two lines: the call and the marker");
        Assert.That(binary, Does.Not.Match(@"(?m)^[\d.]+ \d+ kexec_load\("), "the marker's bytes are no call");
        Assert.That(binary, Does.Contain("--- trace_marker: x\\n"), "they are the marker's text, escaped");
        Assert.That(notes, Is.Empty);

        // The same bytes in ftrace's text: the forgery reads as a call, and the decoder says the text could be shaped.
        var writer = new StringWriter { NewLine = "\n" };
        var decoder = new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64, Summary = true }, writer);
        decoder.Run(new StringReader("# oci-ftrace-hook: lost events: 7\n" + trace.Text()));
        Assert.That(decoder.Notes, Is.EqualTo(new[] { TraceDecoder.TextNote }));
        Assert.That(writer.ToString(), Does.Match(@"\s1\s+kexec_load\n"), "text cannot tell: a kexec_load call is counted");
        Assert.That(decoder.LostFromHeader, Is.EqualTo(7), "but a header line after the first event is not a header");
    }

    [Test]
    public void An_event_without_a_format_in_the_file_is_counted_and_said_once()
    {
        var trace = ProbedOpens();
        trace.Event(0, 6_000_000_000, 100, SyntheticTrace.Payload(16, Unknown, 100), "");
        trace.Event(0, 6_000_001_000, 100, SyntheticTrace.Payload(16, Unknown, 100), "");
        var (shown, notes) = Decode(Write(trace, "kprobes"));
        Assert.That(shown, Does.Contain("/etc/pass wd"), "the rest is decoded");
        Assert.That(notes, Is.EqualTo(new[] { $"2 events of type {Unknown} have no format in the file and are not shown" }));
    }

    [Test]
    public void A_probe_string_whose_length_points_outside_its_event_is_a_fault_not_a_crash()
    {
        var trace = new SyntheticTrace();
        trace.ExtraFormats.Add(ProbeFormat);
        var probe = Probe(100, "/etc/passwd");
        BinaryPrimitives.WriteUInt32LittleEndian(probe.AsSpan(16), 0xfff0_0014); // 65520 bytes at 20
        trace.Openat(0, 5_000_000_000, 100, 0xffffff9c, 0x7ffd1000, 0, 0, 3, 5_000_004_000)
            .Event(0, 5_000_001_000, 100, probe, "");
        Assert.That(Decode(Write(trace, "kprobes")).Stdout, Does.Contain("openat(AT_FDCWD, (fault), O_RDONLY) = 3"));
    }
}
