using System.Runtime.InteropServices;
using System.Text;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.DecodingTests;

public class ArgumentFormatterTests
{
    private const ulong AtFdCwd = 0xffffff9c; // -100 as the kernel prints an int
    private const ulong O_CREAT = 0x40;
    private const ulong O_WRONLY = 0x1;
    private const ulong O_RDWR = 0x2;
    private const ulong O_TRUNC = 0x200;
    private const ulong O_CLOEXEC = 0x80000;

    private static string Args(TraceArch arch, string ev, params ulong[] args)
    {
        var sb = new StringBuilder();
        new ArgumentFormatter(arch).AppendArgs(sb, ev, args, args.Length);
        return sb.ToString();
    }

    private static string Args(string ev, params ulong[] args) => Args(TraceArch.X86_64, ev, args);

    private static string Result(string ev, long value, TraceArch arch = TraceArch.X86_64)
    {
        var sb = new StringBuilder();
        new ArgumentFormatter(arch).AppendResult(sb, ev, value);
        return sb.ToString();
    }

    private static string Value(string kind, ulong value, TraceArch arch = TraceArch.X86_64)
    {
        var sb = new StringBuilder();
        new ArgumentFormatter(arch).AppendValue(sb, kind, value);
        return sb.ToString();
    }

    // --- dup3 and pipe2: open's O_CLOEXEC and O_NONBLOCK, no access mode
    [TestCase("x86_64")]
    [TestCase("arm64")]
    public void Dup3_and_pipe2_show_no_access_mode_in_their_flags(string archName)
    {
        var arch = TraceArchNames.Parse(archName)!.Value;
        Assert.That(Args(arch, "dup3", 3, 1, 0), Is.EqualTo("3, 1, 0"), "strace prints 0, not O_RDONLY");
        Assert.That(Args(arch, "dup3", 3, 1, O_CLOEXEC), Is.EqualTo("3, 1, O_CLOEXEC"));
        Assert.That(Args(arch, "pipe2", 0x1000, O_CLOEXEC | 0x800), Is.EqualTo("0x1000, O_NONBLOCK|O_CLOEXEC"));
    }

    // --- getpriority / setpriority: which, then who in decimal, as strace prints them
    [TestCase("x86_64")]
    [TestCase("arm64")]
    public void Priorities_name_which_and_show_who_in_decimal(string archName)
    {
        var arch = TraceArchNames.Parse(archName)!.Value;
        Assert.That(Args(arch, "getpriority", 0, 424242), Is.EqualTo("PRIO_PROCESS, 424242"));
        Assert.That(Args(arch, "setpriority", 2, 1000, 0xfffffff6), Is.EqualTo("PRIO_USER, 1000, -10"));
        Assert.That(Args(arch, "getpriority", 7, 0), Is.EqualTo("7, 0"), "a value the table lacks stays a number");
    }

    // --- open / openat

    [Test]
    public void Openat_of_the_current_directory_read_only_with_cloexec_omits_the_mode()
    {
        Assert.That(Args("openat", AtFdCwd, 0x7f7efaad3bf0, O_CLOEXEC, 0),
            Is.EqualTo("AT_FDCWD, 0x7f7efaad3bf0, O_RDONLY|O_CLOEXEC"));
    }

    [Test]
    public void Openat_with_a_real_directory_descriptor_shows_the_number()
    {
        Assert.That(Args("openat", 3, 0x7ffd, 0, 0), Is.EqualTo("3, 0x7ffd, O_RDONLY"));
    }

    [Test]
    public void Openat_that_creates_shows_the_mode_in_octal()
    {
        Assert.That(Args("openat", AtFdCwd, 0x24d70fa8, O_WRONLY | O_CREAT | O_TRUNC, 420),
            Is.EqualTo("AT_FDCWD, 0x24d70fa8, O_WRONLY|O_CREAT|O_TRUNC, 0644"));
    }

    [Test]
    public void Openat_of_a_tmpfile_shows_the_mode_too()
    {
        // O_TMPFILE is __O_TMPFILE (0x400000) with O_DIRECTORY: 0x410000 on x86_64, 0x404000 on arm64.
        Assert.Multiple(() =>
        {
            Assert.That(Args(TraceArch.X86_64, "openat", AtFdCwd, 0x1000, 0x410000 | O_RDWR, 384),
                Is.EqualTo("AT_FDCWD, 0x1000, O_RDWR|O_TMPFILE, 0600"));
            Assert.That(Args(TraceArch.Arm64, "openat", AtFdCwd, 0x1000, 0x404000 | O_RDWR, 384),
                Is.EqualTo("AT_FDCWD, 0x1000, O_RDWR|O_TMPFILE, 0600"));
        });
    }

    [Test]
    public void Open_without_at_takes_flags_second()
    {
        Assert.That(Args("open", 0x5c2c98, O_RDWR | O_CLOEXEC, 0), Is.EqualTo("0x5c2c98, O_RDWR|O_CLOEXEC"));
    }

    [Test]
    public void O_directory_differs_between_x86_64_and_arm64()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Args(TraceArch.X86_64, "openat", AtFdCwd, 0x10, 0x10000, 0), Is.EqualTo("AT_FDCWD, 0x10, O_RDONLY|O_DIRECTORY"));
            Assert.That(Args(TraceArch.Arm64, "openat", AtFdCwd, 0x10, 0x4000, 0), Is.EqualTo("AT_FDCWD, 0x10, O_RDONLY|O_DIRECTORY"));
            Assert.That(Args(TraceArch.Arm64, "openat", AtFdCwd, 0x10, 0x10000, 0), Is.EqualTo("AT_FDCWD, 0x10, O_RDONLY|O_DIRECT"));
            Assert.That(Args(TraceArch.X86_64, "openat", AtFdCwd, 0x10, 0x4000, 0), Is.EqualTo("AT_FDCWD, 0x10, O_RDONLY|O_DIRECT"));
        });
    }

    [Test]
    public void O_nofollow_and_o_largefile_differ_between_x86_64_and_arm64()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Value("open_flags", 0x20000, TraceArch.X86_64), Is.EqualTo("O_RDONLY|O_NOFOLLOW"));
            Assert.That(Value("open_flags", 0x8000, TraceArch.Arm64), Is.EqualTo("O_RDONLY|O_NOFOLLOW"));
            Assert.That(Value("open_flags", 0x8000, TraceArch.X86_64), Is.EqualTo("O_RDONLY|O_LARGEFILE"));
            Assert.That(Value("open_flags", 0x20000, TraceArch.Arm64), Is.EqualTo("O_RDONLY|O_LARGEFILE"));
        });
    }

    [Test]
    public void Unknown_open_flag_bits_are_kept_as_hex()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Value("open_flags", 0x40000000), Is.EqualTo("O_RDONLY|0x40000000"));
            Assert.That(Value("open_flags", O_CLOEXEC | 0x40000000 | O_WRONLY), Is.EqualTo("O_WRONLY|O_CLOEXEC|0x40000000"));
        });
    }

    [Test]
    public void O_sync_is_named_whole_not_as_o_dsync_plus_a_bit()
    {
        Assert.That(Value("open_flags", 0x101000 | O_WRONLY), Is.EqualTo("O_WRONLY|O_SYNC"));
    }

    // --- mmap and friends

    [Test]
    public void Anonymous_private_mapping()
    {
        Assert.That(Args("mmap", 0, 4096, 0x3, 0x22, 0xffffffffffffffff, 0),
            Is.EqualTo("NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0"));
    }

    [Test]
    public void File_mapping_at_a_fixed_address()
    {
        Assert.That(Args("mmap", 0x7f0000000000, 8192, 0x5, 0x12, 3, 0x2000),
            Is.EqualTo("0x7f0000000000, 8192, PROT_READ|PROT_EXEC, MAP_PRIVATE|MAP_FIXED, 3, 0x2000"));
    }

    [Test]
    public void Shared_mapping()
    {
        Assert.That(Value("mmap_flags", 0x1), Is.EqualTo("MAP_SHARED"));
    }

    [Test]
    public void No_protection_is_prot_none()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Args("mprotect", 0x7f0000001000, 4096, 0), Is.EqualTo("0x7f0000001000, 4096, PROT_NONE"));
            Assert.That(Value("mmap_prot", 0), Is.EqualTo("PROT_NONE"));
        });
    }

    [Test]
    public void Brk_of_null()
    {
        Assert.That(Args("brk", 0), Is.EqualTo("NULL"));
    }

    // --- clone, signals

    [Test]
    public void Clone_of_a_process_names_the_exit_signal_last()
    {
        // CLONE_CHILD_CLEARTID 0x200000 | CLONE_CHILD_SETTID 0x1000000 | SIGCHLD 17, as busybox's fork.
        Assert.That(Args("clone", 0x1200011, 0, 0, 0x24d6e690, 0),
            Is.EqualTo("CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, NULL, NULL, 0x24d6e690, 0"));
    }

    [Test]
    public void Clone_of_a_vfork()
    {
        // CLONE_VM 0x100 | CLONE_VFORK 0x4000 | SIGCHLD 17, as posix_spawn.
        Assert.That(Value("clone_flags", 0x100 | 0x4000 | 17), Is.EqualTo("CLONE_VM|CLONE_VFORK|SIGCHLD"));
    }

    [Test]
    public void Clone_of_a_thread_has_no_exit_signal()
    {
        // What glibc's pthread_create passes.
        Assert.That(Value("clone_flags", 0x3d0f00),
            Is.EqualTo("CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID"));
    }

    [Test]
    public void Clone_with_only_an_exit_signal_or_nothing()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Value("clone_flags", 17), Is.EqualTo("SIGCHLD"));
            Assert.That(Value("clone_flags", 0), Is.EqualTo("0"));
        });
    }

    [Test]
    public void Unshare_names_namespace_flags()
    {
        Assert.That(Args("unshare", 0x20000 | 0x20000000), Is.EqualTo("CLONE_NEWNS|CLONE_NEWPID"));
    }

    [TestCase(1UL, "SIGHUP")]
    [TestCase(9UL, "SIGKILL")]
    [TestCase(15UL, "SIGTERM")]
    [TestCase(17UL, "SIGCHLD")]
    [TestCase(31UL, "SIGSYS")]
    [TestCase(32UL, "SIGRT_0")]
    [TestCase(34UL, "SIGRT_2")]
    [TestCase(64UL, "SIGRT_32")]
    [TestCase(0UL, "0")]
    public void Signals(ulong signal, string shown)
    {
        Assert.That(Args("kill", 1234, signal), Is.EqualTo("1234, " + shown));
    }

    [Test]
    public void Rt_sigaction_names_its_signal()
    {
        Assert.That(Args("rt_sigaction", 17, 0x7ffeac9644e0, 0, 8), Is.EqualTo("SIGCHLD, 0x7ffeac9644e0, NULL, 8"));
    }

    [Test]
    public void Tgkill_names_its_signal()
    {
        Assert.That(Args("tgkill", 10, 11, 6), Is.EqualTo("10, 11, SIGABRT"));
    }

    // --- access, futex, other tables

    [Test]
    public void Access_modes()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Args("access", 0x4000, 0), Is.EqualTo("0x4000, F_OK"));
            Assert.That(Args("access", 0x4000, 4 | 2), Is.EqualTo("0x4000, R_OK|W_OK"));
            Assert.That(Args("faccessat", AtFdCwd, 0x4000, 4 | 1), Is.EqualTo("AT_FDCWD, 0x4000, R_OK|X_OK"));
        });
    }

    [Test]
    public void Futex_private_wait_and_wake()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Args("futex", 0x7f10, 128, 2, 0, 0, 0), Is.EqualTo("0x7f10, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0"));
            Assert.That(Value("futex_op", 129), Is.EqualTo("FUTEX_WAKE_PRIVATE"));
            Assert.That(Value("futex_op", 1), Is.EqualTo("FUTEX_WAKE"));
            Assert.That(Value("futex_op", 0x189), Is.EqualTo("FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME"));
        });
    }

    [Test]
    public void An_unknown_private_futex_command_is_not_glued_to_private()
    {
        Assert.That(Value("futex_op", 0x8e), Does.Not.Match(@"\d_PRIVATE"));
    }

    [Test]
    public void Lseek_whence_and_a_negative_offset()
    {
        Assert.That(Args("lseek", 3, unchecked((ulong)-10L), 2), Is.EqualTo("3, -10, SEEK_END"));
    }

    [Test]
    public void Newfstatat_with_at_empty_path()
    {
        Assert.That(Args("newfstatat", 0, 0x5bfb41, 0x7ffcdb7ca2a0, 0x1000), Is.EqualTo("0, 0x5bfb41, 0x7ffcdb7ca2a0, AT_EMPTY_PATH"));
    }

    [Test]
    public void Wait4_of_any_child_with_wnohang()
    {
        Assert.That(Args("wait4", 0xffffffffffffffff, 0x7ffeac963b5c, 1, 0), Is.EqualTo("-1, 0x7ffeac963b5c, WNOHANG, NULL"));
    }

    [Test]
    public void Socket_type_with_flags()
    {
        // SOCK_STREAM | SOCK_CLOEXEC
        Assert.That(Args("socket", 2, 1 | 0x80000, 0), Is.EqualTo("AF_INET, SOCK_STREAM|SOCK_CLOEXEC, 0"));
    }

    [Test]
    public void A_value_no_table_names_is_shown_as_a_number()
    {
        Assert.That(Value("fcntl_cmd", 999), Is.EqualTo("999"));
    }

    [Test]
    public void Descriptors_are_signed_32_bit()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Value("fd", 0xffffffff), Is.EqualTo("-1"));
            Assert.That(Value("fd", 0xffffffffffffffff), Is.EqualTo("-1"));
            Assert.That(Value("dirfd", 0xffffffffffffff9c), Is.EqualTo("AT_FDCWD"));
            Assert.That(Value("dirfd", 7), Is.EqualTo("7"));
        });
    }

    [Test]
    public void Modes_are_octal()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Value("mode", 0), Is.EqualTo("000"));
            Assert.That(Value("mode", 420), Is.EqualTo("0644"));
            Assert.That(Value("mode", 493), Is.EqualTo("0755"));
            Assert.That(Value("mode", 2541), Is.EqualTo("04755"));
            Assert.That(Args("mkdir", 0x1000, 511), Is.EqualTo("0x1000, 0777"));
        });
    }

    // --- unknown things stay raw

    [Test]
    public void An_unknown_syscall_shows_its_arguments_in_raw_hex()
    {
        Assert.That(Args("no_such_syscall", 0x10, 0, 255, 0xffffffffffffffff),
            Is.EqualTo("0x10, 0, 0xff, 0xffffffffffffffff"));
    }

    [Test]
    public void An_unknown_syscall_shows_its_result_in_raw_hex()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Result("no_such_syscall", 5), Is.EqualTo("0x5"));
            Assert.That(Result("no_such_syscall", 0), Is.EqualTo("0"));
            Assert.That(Result("no_such_syscall", -2), Is.EqualTo("-1 ENOENT (No such file or directory)"));
        });
    }

    [Test]
    public void Arguments_beyond_those_the_table_knows_are_raw_hex()
    {
        Assert.That(Args("close", 3, 0x20), Is.EqualTo("3, 0x20"));
    }

    [Test]
    public void An_unknown_kind_is_raw_hex()
    {
        Assert.That(Value("no_such_kind", 0x1234), Is.EqualTo("0x1234"));
    }

    [Test]
    public void Null_pointers()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Value("ptr", 0), Is.EqualTo("NULL"));
            Assert.That(Value("ptr", 0x7ffd), Is.EqualTo("0x7ffd"));
            Assert.That(Args("set_tid_address", 0), Is.EqualTo("NULL"));
        });
    }

    // --- results

    [Test]
    public void A_descriptor_result_is_decimal()
    {
        Assert.That(Result("openat", 3), Is.EqualTo("3"));
    }

    [Test]
    public void A_size_result_is_decimal()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Result("read", 4096), Is.EqualTo("4096"));
            Assert.That(Result("read", 0), Is.EqualTo("0"));
        });
    }

    [Test]
    public void A_pointer_result_is_hex()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Result("mmap", 0x7f3c1a2b3000), Is.EqualTo("0x7f3c1a2b3000"));
            Assert.That(Result("brk", 0x24d6e000), Is.EqualTo("0x24d6e000"));
        });
    }

    [Test]
    public void A_mode_result_is_octal()
    {
        Assert.That(Result("umask", 511), Is.EqualTo("0777"));
    }

    [Test]
    public void A_small_mode_has_three_digits_like_strace()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Result("umask", 18), Is.EqualTo("022"));
            Assert.That(Args("umask", 18), Is.EqualTo("022"));
            Assert.That(Value("mode", 7), Is.EqualTo("007"));
        });
    }

    [Test]
    public void Enoent()
    {
        Assert.That(Result("openat", -2), Is.EqualTo("-1 ENOENT (No such file or directory)"));
    }

    [Test]
    public void A_failed_mmap_is_an_error_not_a_pointer()
    {
        Assert.That(Result("mmap", -12), Is.EqualTo("-1 ENOMEM (Cannot allocate memory)"));
    }

    [TestCase("openat")]
    [TestCase("mmap")]
    [TestCase("read")]
    public void Minus_4095_is_still_an_error(string ev)
    {
        Assert.That(Result(ev, -4095), Is.EqualTo("-1 E4095 (" + Marshal.GetPInvokeErrorMessage(4095) + ")"));
    }

    [Test]
    public void Minus_4096_is_not_an_error()
    {
        Assert.Multiple(() =>
        {
            Assert.That(Result("mmap", -4096), Is.EqualTo("0xfffffffffffff000"));
            Assert.That(Result("lseek", -4096), Is.EqualTo("-4096"));
            Assert.That(Result("no_such_syscall", -4096), Is.EqualTo("0xfffffffffffff000"));
        });
    }

    [Test]
    public void Minus_1_is_eperm()
    {
        Assert.That(Result("kill", -1), Is.EqualTo("-1 EPERM (Operation not permitted)"));
    }

    [TestCase(512, "ERESTARTSYS")]
    [TestCase(513, "ERESTARTNOINTR")]
    [TestCase(514, "ERESTARTNOHAND")]
    [TestCase(516, "ERESTART_RESTARTBLOCK")]
    public void An_interrupted_call_names_the_kernels_restart_code(int code, string name)
    {
        Assert.That(Result("wait4", -code), Does.StartWith("? " + name + " ("));
    }
}
