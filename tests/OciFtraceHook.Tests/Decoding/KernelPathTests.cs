using System.Buffers.Binary;
using System.Text;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;
using OciFtraceHook.Tests.SavedTraces;
using OciFtraceHook.TraceDat;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.DecodingTests;

/// <summary>Paths as the kernel copied them (return probes on getname and getname_flags, as Debian's
/// 6.12 prints and stores them): joined to the call they happened in, in place of a (fault) an entry
/// probe read; one copy seen twice counts once; rename's two copies go to its two paths; with
/// AT_EMPTY_PATH and no copy the path was "".</summary>
public class KernelPathTests
{
    private const int KcopyId = 1530;

    private static string Line(int pid, string time, string body) => $"              sh-{pid}     [000] ...1.     {time}: {body}";

    private static string DecodeText(params string[] lines)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer)
            .Run(new StringReader("# oci-ftrace-hook: kernel 6.12.118+deb12-amd64\n# oci-ftrace-hook: paths: kprobes\n" + string.Join('\n', lines) + "\n"));
        return writer.ToString();
    }

    private static string Copy(string time, string function, string ptr, string? name) =>
        Line(7, time, $"kcopy_{function}: (do_sys_openat2+0x77/0xe0 <- {function}) ptr={ptr} name={(name is null ? "(fault)" : $"\"{name}\"")}");

    [Test]
    public void The_kernels_copy_replaces_a_fault_and_one_copy_seen_twice_counts_once()
    {
        var shown = DecodeText(
            Line(7, "1.000001", "sys_readlink(path: 5c2c98, buf: 7ffd8a8f5610, bufsiz: 1000)"),
            Line(7, "1.000002", "readlink: (__x64_sys_readlink+0x0/0x30) a0=(fault)"),
            Copy("1.000003", "getname_flags", "0xffff88800436f000", "/proc/self/exe"),
            Copy("1.000004", "getname", "0xffff88800436f000", "/proc/self/exe"),
            Line(7, "1.000005", "sys_readlink -> 0xc"));
        Assert.That(shown, Does.Contain("readlink(\"/proc/self/exe\", 0x7ffd8a8f5610, 4096) = 12"));
    }

    /// <summary>Another thread rewrote the path between the call's entry and the kernel's copy:
    /// the call used the copy.</summary>
    [Test]
    public void A_path_changed_after_entry_is_shown_as_the_kernel_used_it() =>
        Assert.That(DecodeText(
            Line(7, "1.000001", "sys_openat(dfd: ffffff9c, filename: 7ffd2000, flags: 0, mode: 0)"),
            Line(7, "1.000002", "openat: (__x64_sys_openat+0x0/0x30) a1=\"/etc/first\""),
            Copy("1.000003", "getname", "0xffff888000001000", "/etc/second"),
            Line(7, "1.000004", "sys_openat -> 0x3")), Does.Contain("openat(AT_FDCWD, \"/etc/second\", O_RDONLY) = 3"));

    [Test]
    public void Renames_two_copies_go_to_its_two_paths_by_what_the_entry_probe_read_else_in_order()
    {
        var shown = DecodeText(
            Line(7, "1.000001", "sys_rename(oldname: 11000df0, newname: 11000e00)"),
            Line(7, "1.000002", "rename: (__x64_sys_rename+0x0/0x30) a0=(fault) a1=\"/tmp/new\""),
            Copy("1.000003", "getname", "0xffff888000001000", "/tmp/new"),
            Copy("1.000004", "getname", "0xffff888000002000", "/tmp/old"),
            Line(7, "1.000005", "sys_rename -> 0x0"));
        Assert.That(shown, Does.Contain("rename(\"/tmp/old\", \"/tmp/new\") = 0"));
    }

    [Test]
    public void With_at_empty_path_and_no_copy_the_path_was_empty_and_a_failed_copy_changes_nothing()
    {
        var shown = DecodeText(
            Copy("1.000000", "getname", "0xffff888000001000", "/x"), // the trace records copies
            Line(7, "1.000001", "sys_newfstatat(dfd: 3, filename: 5bfb41, statbuf: 7ffd8a8f51f0, flag: 1000)"),
            Line(7, "1.000002", "newfstatat: (__x64_sys_newfstatat+0x0/0x30) a1=(fault)"),
            Line(7, "1.000003", "sys_newfstatat -> 0x0"),
            Line(7, "1.000004", "sys_openat(dfd: ffffff9c, filename: 7ffd2000, flags: 0, mode: 0)"),
            Line(7, "1.000005", "openat: (__x64_sys_openat+0x0/0x30) a1=\"/etc/hostname\""),
            Copy("1.000006", "getname", "0xfffffffffffffff2", null),
            Line(7, "1.000007", "sys_openat -> 0xfffffffffffffff2"));
        Assert.That(shown, Does.Contain("newfstatat(3, \"\", 0x7ffd8a8f51f0, AT_EMPTY_PATH) = 0"));
        Assert.That(shown, Does.Contain("openat(AT_FDCWD, \"/etc/hostname\", O_RDONLY) = -1 EFAULT"));
    }

    [Test]
    public void The_binary_records_give_the_same_as_the_text()
    {
        var format = new EventFormatText(KcopyId, PathProbes.Group, "kcopy_getname", Encoding.ASCII.GetBytes(
            "name: kcopy_getname\nID: 1530\nformat:\n" +
            "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" +
            "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" +
            "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" +
            "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n" +
            "\tfield:unsigned long __probe_func;\toffset:8;\tsize:8;\tsigned:0;\n" +
            "\tfield:unsigned long __probe_ret_ip;\toffset:16;\tsize:8;\tsigned:0;\n" +
            "\tfield:u64 ptr;\toffset:24;\tsize:8;\tsigned:0;\n" +
            "\tfield:__data_loc char[] name;\toffset:32;\tsize:4;\tsigned:1;\n\n" +
            "print fmt: \"(%lx <- %lx) ptr=0x%Lx name=\\\"%s\\\"\", REC->__probe_func, REC->__probe_ret_ip, REC->ptr, __get_str(name)\n"));
        var name = Encoding.ASCII.GetBytes("/etc/passwd\0");
        var copy = SyntheticTrace.Payload(36 + name.Length, KcopyId, 100);
        BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(24), 0xffff888000001000);
        BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(32), (uint)(name.Length << 16 | 36));
        name.CopyTo(copy, 36);
        var trace = new SyntheticTrace();
        trace.Comms[100] = "cat";
        trace.ExtraFormats.Add(format);
        trace.Openat(0, 5_000_000_000, 100, 0xffffff9c, 0x7ffd1000, 0, 0, 3, 5_000_004_000)
            .Event(0, 5_000_001_000, 100, copy, "kcopy_getname: (do_sys_openat2+0x77/0xe0 <- getname) ptr=0xffff888000001000 name=\"/etc/passwd\"");
        var output = new MemoryStream();
        TraceDatWriter.Write(output, trace.Capture(), new TraceDatMetadata { ContainerId = "c", Arch = "x86_64", Paths = "kprobes" }, "Linux x86_64");
        var writer = new StringWriter { NewLine = "\n" };
        TraceInput.Decode(new MemoryStream(output.ToArray()), new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer), "test.dat");
        Assert.That(writer.ToString(), Does.Contain("openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY) = 3"));
        var text = new StringWriter { NewLine = "\n" };
        new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, text)
            .Run(new StringReader("# oci-ftrace-hook: paths: kprobes\n# oci-ftrace-hook: lost events: 0\n" + trace.Text()));
        Assert.That(writer.ToString(), Is.EqualTo(text.ToString()));
    }
}

/// <summary>Paths shown as strace shows them, whatever bytes they hold.</summary>
public class QuotedPathTests
{
    private static string Quoted(string text)
    {
        var sb = new StringBuilder();
        QuotedString.Append(sb, text);
        return sb.ToString();
    }

    [Test]
    public void Bytes_that_are_no_utf8_are_shown_as_the_bytes_they_were_and_octal_before_a_digit_takes_three()
    {
        Assert.That(Quoted(OciFtraceHook.Logging.Printable.Utf8KeepingBadBytes.GetString([.. "/tmp/bad"u8, 0xff, 0x01, .. "utf8"u8])),
            Is.EqualTo("\"/tmp/bad\\377\\1utf8\""));
        Assert.That(Quoted("a\u0001" + "0"), Is.EqualTo("\"a\\0010\""));
        Assert.That(Quoted("/tmp/new\nline \"q\""), Is.EqualTo("\"/tmp/new\\nline \\\"q\\\"\""));
        Assert.That(Quoted("é"), Is.EqualTo("\"\\303\\251\""), "UTF-8 text: its bytes");
    }
}
