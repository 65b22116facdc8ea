using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.DecodingTests;

/// <summary>Path probes' lines (a kprobe on the syscall's entry function, or an eprobe on its
/// event) join the call their thread just entered.</summary>
public class PathProbeLineTests
{
    private static string Decode(params string[] lines)
    {
        var writer = new StringWriter { NewLine = "\n" };
        new TraceDecoder(new DecodeOptions { Arch = TraceArch.X86_64 }, writer).Run(new StringReader(string.Join('\n', lines) + "\n"));
        return writer.ToString();
    }

    private static string Line(string body) => $"             cat-178     [000] .....     4.348704: {body}";

    [Test]
    public void A_kprobes_path_joins_its_call()
    {
        var text = Decode(
            Line("sys_openat(dfd: ffffff9c, filename: 7ffe86b8cf26, flags: 0, mode: 0)"),
            Line("openat: (__x64_sys_openat+0x4/0xa0) a1=\"/one-nonexistent\""),
            Line("sys_openat -> 0xfffffffffffffffe"));
        Assert.That(text, Does.EndWith("178 openat(AT_FDCWD, \"/one-nonexistent\", O_RDONLY) = -1 ENOENT (No such file or directory)\n"));
    }

    [Test]
    public void An_eprobes_two_paths_join_their_call_and_are_escaped()
    {
        var text = Decode(
            Line("sys_rename(oldname: 2877ec38, newname: 2877f908)"),
            Line("rename: (syscalls.sys_enter_rename) a0=\"/tmp/d\" a1=\"/tmp/e \"x\"\u001b[31m\""),
            Line("sys_rename -> 0x0"));
        Assert.That(text, Does.EndWith("rename(\"/tmp/d\", \"/tmp/e \\\"x\\\"\\33[31m\") = 0\n"));
    }

    [Test]
    public void A_path_the_probe_could_not_read_is_shown_as_fault_never_as_empty()
    {
        var text = Decode(
            Line("sys_readlink(path: 5c2c98, buf: 7ffd3c6542c0, bufsiz: 1000)"),
            Line("readlink: (__x64_sys_readlink+0x4/0x30) a0=(fault)"),
            Line("sys_readlink -> 0xc"));
        Assert.That(text, Does.EndWith("readlink((fault), 0x7ffd3c6542c0, 4096) = 12\n"));
    }

    [Test]
    public void A_probe_line_of_another_call_or_thread_is_not_joined()
    {
        var text = Decode(
            Line("sys_openat(dfd: ffffff9c, filename: 7ffe86b8cf26, flags: 0, mode: 0)"),
            Line("mkdir: (__x64_sys_mkdir+0x4/0xa0) a0=\"/elsewhere\""),
            Line("sys_openat -> 0x3"));
        Assert.That(text, Does.EndWith("openat(AT_FDCWD, 0x7ffe86b8cf26, O_RDONLY) = 3\n"));
    }
}
