using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.DecodingTests;

/// <summary>Every kernel's text: before 6.18 hex without "0x", 6.18 with it, 6.19+ with user
/// strings. The format comes from the saved trace's kernel release, else from the trace itself,
/// never from one argument alone.</summary>
public class KernelTextFormatTests
{
    private static string SamplePath(string name) =>
        Path.Combine(TestContext.CurrentContext.TestDirectory, "Decoding", "Samples", name);

    private static string Decode(string trace)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer).Run(new StringReader(trace));
        return writer.ToString();
    }

    private static string Line(int pid, string body) => $"              sh-{pid}     (    {pid}) [000] .....    10.000{pid % 1000:D3}: {body}";

    [TestCase("6.1.0-56-amd64", "BareHex")]
    [TestCase("6.12.117+deb12-amd64", "BareHex")]
    [TestCase("5.15.0-91-generic", "BareHex")]
    [TestCase("6.18.0", "PrefixedHex")]
    [TestCase("6.18.3-arch1", "PrefixedHex")]
    [TestCase("6.19.0-rc1", "UserStrings")]
    [TestCase("7.0.1", "UserStrings")]
    [TestCase("garbage", "Unknown")]
    [TestCase("", "Unknown")]
    public void A_kernel_release_names_its_format(string release, string format) =>
        Assert.That(TraceTextFormatDetection.FromKernelRelease(release).ToString(), Is.EqualTo(format));

    [TestCase("fd: 3", "Unknown")]
    [TestCase("fd: b", "BareHex")]
    [TestCase("fd: 0, count: 10", "BareHex")]
    [TestCase("fd: 3, buf: 0x7ffd0000, count: 0x200", "PrefixedHex")]
    [TestCase("filename: 0x7f8c55368470 \"/etc/ld.so.preload\", mode: 4", "UserStrings")]
    [TestCase("dfd: 4294967196, filename: 139785545139344 \"/usr/lib/x\", flags: O_RDONLY|O_CLOEXEC", "UserStrings")]
    [TestCase("fd: 2, buf: 0x555a8deeddb0 (72:6f) \"ro\", count: 0x2", "UserStrings")]
    public void An_enter_line_tells_the_format_only_when_its_values_differ_between_formats(string args, string format) =>
        Assert.That(TraceTextFormatDetection.FromArguments(args).ToString(), Is.EqualTo(format));

    [Test]
    public void Before_6_18_values_without_0x_are_hex()
    {
        var text = Decode(string.Join('\n',
            Line(100, "sys_close(fd: 3)"),
            Line(100, "sys_close -> 0x0"),
            Line(100, "sys_openat(dfd: ffffff9c, filename: 8635af0, flags: 241, mode: 1b6)"),
            Line(100, "sys_openat -> 0xb"),
            Line(100, "sys_close(fd: b)"),
            Line(100, "sys_close -> 0x0")) + "\n");
        Assert.That(text, Does.Contain("close(3) = 0\n"));
        Assert.That(text, Does.Contain("openat(AT_FDCWD, 0x8635af0, O_WRONLY|O_CREAT|O_TRUNC, 0666) = 11\n"));
        Assert.That(text, Does.Contain("close(11) = 0\n"));
    }

    [Test]
    public void In_6_18_values_below_ten_are_decimal_and_others_0x()
    {
        var text = Decode(string.Join('\n',
            Line(100, "sys_openat(dfd: 0xffffff9c, filename: 0x8635af0, flags: 0x241, mode: 0x1b6)"),
            Line(100, "sys_openat -> 0xb"),
            Line(100, "sys_read(fd: 0xb, buf: 0x7ffd1000, count: 8)"),
            Line(100, "sys_read -> 0x8")) + "\n");
        Assert.That(text, Does.Contain("openat(AT_FDCWD, 0x8635af0, O_WRONLY|O_CREAT|O_TRUNC, 0666) = 11\n"));
        Assert.That(text, Does.Contain("read(11, 0x7ffd1000, 8) = 8\n"));
    }

    [Test]
    public void From_6_19_the_kernels_own_strings_are_shown_and_openat_is_read_in_its_own_form()
    {
        var text = Decode(string.Join('\n',
            Line(100, "sys_access(filename: 0x7f8c55368470 \"/etc/ld.so.preload\", mode: 4)"),
            Line(100, "sys_access -> 0xfffffffffffffffe"),
            Line(100, "sys_openat(dfd: 4294967196, filename: 139785545139344 \"/tmp/x, mode: 1\", flags: O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK, mode: 0666)"),
            Line(100, "sys_openat -> 0x3"),
            Line(100, "sys_write(fd: 2, buf: 0x555a8deeddb0 (72:6f:6f:74:0a) \"root.\", count: 0x5)"),
            Line(100, "sys_write -> 0x5"),
            Line(100, "sys_write(fd: 1, buf: 0x555a8deeddb0 (61:62, ...) \"ab\"..., count: 0x50)"),
            Line(100, "sys_write -> 0x50"),
            Line(100, "sys_openat(dfd: 4294967196, filename: 139785545139344 \"/etc/passwd\", flags: O_RDONLY|O_CLOEXEC)"),
            Line(100, "sys_openat -> 0x4")) + "\n");
        Assert.That(text, Does.Contain("access(\"/etc/ld.so.preload\", R_OK) = -1 ENOENT (No such file or directory)\n"));
        Assert.That(text, Does.Contain("openat(AT_FDCWD, \"/tmp/x, mode: 1\", O_WRONLY|O_CREAT|O_NOCTTY|O_NONBLOCK, 0666) = 3\n"));
        Assert.That(text, Does.Contain("write(2, \"root\\n\", 5) = 5\n"), "a buffer is shown from its exact bytes");
        Assert.That(text, Does.Contain("write(1, \"ab\"..., 80) = 80\n"), "a buffer cut at syscall_user_buf_size says so");
        Assert.That(text, Does.Contain("openat(AT_FDCWD, \"/etc/passwd\", O_RDONLY|O_CLOEXEC) = 4\n"));
    }

    [Test]
    public void A_string_is_escaped_as_strace_escapes_it()
    {
        var text = Decode(Line(100, "sys_unlink(pathname: 0x7f00 \"a\"b\\c\u001b[2J\")") + "\n" + Line(100, "sys_unlink -> 0x0") + "\n");
        Assert.That(text, Does.Contain("unlink(\"a\\\"b\\\\c\\33[2J\") = 0\n"));
    }

    [Test]
    public void Single_digit_values_before_the_format_is_known_read_the_same_in_every_format()
    {
        // Nothing tells the format until "fd: b": the earlier "fd: 3" is 3 whichever it is.
        var text = Decode(string.Join('\n',
            Line(100, "sys_close(fd: 3)"),
            Line(100, "sys_close -> 0x0"),
            Line(100, "sys_dup2(oldfd: 3, newfd: a)"),
            Line(100, "sys_dup2 -> 0xa")) + "\n");
        Assert.That(text, Does.Contain("close(3) = 0\n"));
        Assert.That(text, Does.Contain("dup2(3, 10) = 10\n"));
    }

    [Test]
    public void The_kernel_release_in_a_saved_header_decides_over_the_trace()
    {
        // Under 6.18 rules a bare "10" could not occur; the header says 6.1, so it is hex.
        var trace = "# oci-ftrace-hook: kernel 6.1.0-56-amd64\n" + Line(100, "sys_dup2(oldfd: 3, newfd: 10)") + "\n" + Line(100, "sys_dup2 -> 0x10") + "\n";
        Assert.That(Decode(trace), Does.Contain("dup2(3, 16) = 16\n"));
    }

    // Lines as Debian's 7.3 prints them with the instance's syscall_user_buf_size at 0 (the hook's
    // default there): no string or byte is copied, and a kprobe gives the path.
    private const string NothingCopied = """
        # oci-ftrace-hook: kernel 7.3.4+deb13-amd64
        # oci-ftrace-hook: paths: kprobes
                     cat-182     (    182) [000] .....     8.518520: sys_openat(dfd: 4294967196, filename: 140733275475832 "", flags: O_RDONLY)
                     cat-182     (    182) [000] .....     8.518531: openat: (__x64_sys_openat+0x4/0xa0) a1="/nonexistent-file"
                     cat-182     (    182) [000] .....     8.518600: sys_openat -> 0xfffffffffffffffe
                      sh-174     (    174) [000] .....     8.507886: sys_write(fd: 1, buf: 0x24e23860 (, ...), count: 0x11)
                      sh-174     (    174) [000] .....     8.507900: sys_write -> 0x11
                      ls-181     (    181) [000] .....     8.513217: sys_newfstatat(dfd: 3, filename: 0x5bfb41 "", statbuf: 0x7fffae5417b0, flag: 0x1000)
                      ls-181     (    181) [000] .....     8.513230: sys_newfstatat -> 0x0

        """;

    [Test]
    public void Where_the_kernel_copied_nothing_the_probes_path_is_shown_and_buffers_stay_addresses()
    {
        var text = Decode(NothingCopied);
        Assert.That(text, Does.Contain("openat(AT_FDCWD, \"/nonexistent-file\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"));
        Assert.That(text, Does.Contain("write(1, 0x24e23860, 17) = 17\n"));
        Assert.That(text, Does.Contain("newfstatat(3, 0x5bfb41, 0x7fffae5417b0, AT_EMPTY_PATH) = 0\n"),
            "an empty string the kernel did not copy is not shown as \"\"");
    }

    [Test]
    public void A_live_trace_without_a_header_takes_the_probes_path_over_the_kernels_empty_string()
    {
        var live = string.Join('\n', NothingCopied.Split('\n').Where(l => !l.StartsWith('#')));
        Assert.That(Decode(live), Does.Contain("openat(AT_FDCWD, \"/nonexistent-file\", O_RDONLY) = -1 ENOENT"));
    }

    [Test]
    public void A_live_instances_record_says_how_its_paths_were_recorded()
    {
        // show CONTAINER and --follow read a running instance, which has no header: the record's note stands in.
        var live = string.Join('\n', NothingCopied.Split('\n').Where(l => !l.StartsWith('#') && !l.Contains("openat: (")));
        var writer = new StringWriter { NewLine = "\n" };
        var decoder = new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer);
        decoder.UsePathsNote("off");
        decoder.Run(new StringReader(live));
        Assert.That(writer.ToString(), Does.Contain("openat(AT_FDCWD, 0x7fff04e48f78, O_RDONLY) = -1 ENOENT"), "no \"\" for a path not copied");
        Assert.That(decoder.PathsMissing, Does.Contain("turned off"));
    }

    [Test]
    public void Where_the_kernel_copied_strings_an_empty_one_is_an_empty_path()
    {
        var text = Decode(NothingCopied.Replace("paths: kprobes", "paths: kernel", StringComparison.Ordinal));
        Assert.That(text, Does.Contain("newfstatat(3, \"\", 0x7fffae5417b0, AT_EMPTY_PATH) = 0\n"));
        Assert.That(text, Does.Contain("write(1, 0x24e23860, 17) = 17\n"), "(, ...): no byte was copied");
    }

    [Test]
    public void A_string_cut_at_the_instances_size_is_shown_cut_as_strace_does()
    {
        // With syscall_user_buf_size 12: a string gets "..." inside its quotes, a buffer after them.
        var text = Decode(string.Join('\n',
            Line(100, "sys_openat(dfd: 4294967196, filename: 140724297764725 \"/nonexistent...\", flags: O_RDONLY)"),
            Line(100, "sys_openat -> 0xfffffffffffffffe"),
            Line(100, "sys_write(fd: 1, buf: 0xecbb860 (53:45:43:52:45:54:2d:34:32:2d:37:66, ...) \"SECRET-42-7f\"..., count: 0x11)"),
            Line(100, "sys_write -> 0x11")) + "\n");
        Assert.That(text, Does.Contain("openat(AT_FDCWD, \"/nonexistent\"..., O_RDONLY) = -1 ENOENT"));
        Assert.That(text, Does.Contain("write(1, \"SECRET-42-7f\"..., 17) = 17"));
    }

    [TestCase("6.1")]
    [TestCase("6.12")]
    [TestCase("7.3")]
    [TestCase("7.3-buffers")]
    public void A_trace_recorded_in_a_guest_decodes_as_reviewed(string kernel)
    {
        var text = Decode(File.ReadAllText(SamplePath($"guest-{kernel}-workload.trace")));
        Assert.That(text, Is.EqualTo(File.ReadAllText(SamplePath($"guest-{kernel}-workload.expected"))));
        Assert.That(text, Does.Contain("openat(AT_FDCWD, "), "the ffffff9c of every openat is AT_FDCWD");
        Assert.That(text, Does.Contain("read(0, ").And.Contain(", 512) = 512"), "dd's 512-byte reads (200 in hex)");
    }

    [TestCase("6.1")]
    [TestCase("6.12")]
    [TestCase("7.3")]
    [TestCase("7.3-buffers")]
    public void Without_its_kernel_header_a_guest_trace_decodes_the_same_from_its_lines(string kernel)
    {
        var lines = File.ReadAllLines(SamplePath($"guest-{kernel}-workload.trace"));
        var withoutKernel = string.Join('\n', lines.Where(l => !l.StartsWith("# oci-ftrace-hook: kernel ", StringComparison.Ordinal))) + "\n";
        Assert.That(Decode(withoutKernel), Is.EqualTo(File.ReadAllText(SamplePath($"guest-{kernel}-workload.expected"))));
    }
}
