using OciFtraceHook.Oci;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.TracingTests;

public class InstanceSetupTests
{
    private const string Name = "oci-ftrace-test-0123456789abcdef";
    private const int Pid = 4242;

    private static readonly string[] ControlFiles =
    [
        "tracing_on",
        "buffer_size_kb",
        "options/overwrite",
        "options/event-fork",
        "options/pause-on-trace",
        "options/record-tgid",
        InstanceSetup.NewTaskEnable,
        "set_event_pid",
        "events/syscalls/enable",
        "events/syscalls/sys_enter_openat/enable",
        "events/syscalls/sys_exit_openat/enable",
        InstanceSetup.ExecTrigger,
    ];

    private string _root = null!;
    private TraceInstance _instance = null!;

    [SetUp]
    public void CreateFakeTraceFs()
    {
        _root = Directory.CreateTempSubdirectory("instance-setup-").FullName;
        _instance = new TraceFs(_root).Instance(Name);
        foreach (var file in ControlFiles) Touch(file);
    }

    [TearDown]
    public void RemoveFakeTraceFs() => Directory.Delete(_root, recursive: true);

    private void Touch(string relative)
    {
        var path = _instance.FilePath(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, []);
    }

    private string Written(string relative) => File.ReadAllText(_instance.FilePath(relative));

    [Test]
    public void Default_settings_trace_every_syscall_of_the_pid_from_its_exec()
    {
        InstanceSetup.Apply(_instance, HookSettings.FromAnnotations(new Dictionary<string, string>()), Pid);
        Assert.Multiple(() =>
        {
            Assert.That(Written("tracing_on"), Is.EqualTo("0\n"));
            Assert.That(Written("set_event_pid"), Is.EqualTo($"{Pid}\n"));
            Assert.That(Written("events/syscalls/enable"), Is.EqualTo("1\n"));
            Assert.That(Written(InstanceSetup.ExecTrigger), Is.EqualTo($"traceon:1 if pid == {Pid}\n"));
            Assert.That(Written("options/overwrite"), Is.EqualTo("1\n"));
            Assert.That(Written("options/event-fork"), Is.EqualTo("1\n"));
            Assert.That(Written("options/pause-on-trace"), Is.EqualTo("1\n"));
            Assert.That(Written("buffer_size_kb"), Is.Empty, "the kernel's default buffer size is kept");
            Assert.That(Written("events/syscalls/sys_enter_openat/enable"), Is.Empty);
            Assert.That(Written("events/syscalls/sys_exit_openat/enable"), Is.Empty);
        });
    }

    [Test]
    public void Thread_groups_come_from_task_newtask_and_record_tgid_only_where_the_kernel_lacks_the_event()
    {
        InstanceSetup.Apply(_instance, HookSettings.FromAnnotations(new Dictionary<string, string>()), Pid);
        Assert.Multiple(() =>
        {
            Assert.That(Written(InstanceSetup.NewTaskEnable), Is.EqualTo("1\n"));
            Assert.That(Written("options/record-tgid"), Is.Empty, "left off: setting it walks every instance's event files");
        });
        File.Delete(_instance.FilePath(InstanceSetup.NewTaskEnable));
        InstanceSetup.Apply(_instance, HookSettings.FromAnnotations(new Dictionary<string, string>()), Pid);
        Assert.That(Written("options/record-tgid"), Is.EqualTo("1\n"), "a kernel without the event");
    }

    [Test]
    public void Buffer_size_and_overwrite_are_written_when_asked()
    {
        var settings = HookSettings.FromAnnotations(new Dictionary<string, string>
        {
            [HookSettings.BufferSizeKey] = "512",
            [HookSettings.OverwriteKey] = "false",
        });
        InstanceSetup.Apply(_instance, settings, Pid);
        Assert.Multiple(() =>
        {
            Assert.That(Written("buffer_size_kb"), Is.EqualTo("512\n"));
            Assert.That(Written("options/overwrite"), Is.EqualTo("0\n"));
        });
    }

    [Test]
    public void Where_the_kernel_copies_user_memory_the_instance_copies_none_unless_asked()
    {
        Touch(InstanceSetup.UserBufferSizeFile);
        InstanceSetup.Apply(_instance, HookSettings.FromAnnotations(new Dictionary<string, string>()), Pid);
        Assert.That(Written(InstanceSetup.UserBufferSizeFile), Is.EqualTo("0\n"), "by default");

        Touch(InstanceSetup.UserBufferSizeFile);
        InstanceSetup.Apply(_instance, HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.WriteBuffersKey] = "100" }), Pid);
        Assert.That(Written(InstanceSetup.UserBufferSizeFile), Is.EqualTo("100\n"));

        Touch(InstanceSetup.UserBufferSizeFile);
        InstanceSetup.Apply(_instance, HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.WriteBuffersKey] = "on" }), Pid);
        Assert.That(Written(InstanceSetup.UserBufferSizeFile), Is.Empty, "on: the size the instance got from the kernel stays");
        Assert.That(File.Exists(Path.Combine(_root, InstanceSetup.UserBufferSizeFile)), Is.False, "the top level is never written");
    }

    [Test]
    public void Before_6_19_there_is_no_user_memory_setting_to_write()
    {
        InstanceSetup.Apply(_instance, HookSettings.FromAnnotations(new Dictionary<string, string>()), Pid);
        Assert.That(_instance.HasFile(InstanceSetup.UserBufferSizeFile), Is.False);
    }

    [Test]
    public void Including_the_runtime_setup_turns_recording_on_now_and_sets_no_trigger()
    {
        var settings = HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.IncludeRuntimeSetupKey] = "true" });
        InstanceSetup.Apply(_instance, settings, Pid);
        Assert.Multiple(() =>
        {
            Assert.That(Written("tracing_on"), Is.EqualTo("1\n"));
            Assert.That(Written(InstanceSetup.ExecTrigger), Is.Empty);
            Assert.That(Written("set_event_pid"), Is.EqualTo($"{Pid}\n"));
            Assert.That(Written("events/syscalls/enable"), Is.EqualTo("1\n"));
        });
    }

    [Test]
    public void A_syscall_list_enables_only_those_events()
    {
        var settings = HookSettings.FromAnnotations(new Dictionary<string, string> { [HookSettings.SyscallsKey] = "openat" });
        InstanceSetup.Apply(_instance, settings, Pid);
        Assert.Multiple(() =>
        {
            Assert.That(Written("events/syscalls/sys_enter_openat/enable"), Is.EqualTo("1\n"));
            Assert.That(Written("events/syscalls/sys_exit_openat/enable"), Is.EqualTo("1\n"));
            Assert.That(Written("events/syscalls/enable"), Is.Empty, "the all-syscalls switch is left alone");
            Assert.That(Written(InstanceSetup.ExecTrigger), Is.EqualTo($"traceon:1 if pid == {Pid}\n"));
        });
    }

    [Test]
    public void A_syscall_without_an_exit_event_enables_its_entry_only()
    {
        Touch("events/syscalls/sys_enter_read/enable");
        InstanceSetup.Apply(_instance, new HookSettings { Syscalls = ["read", "openat"] }, Pid);
        Assert.Multiple(() =>
        {
            Assert.That(Written("events/syscalls/sys_enter_read/enable"), Is.EqualTo("1\n"));
            Assert.That(_instance.HasFile("events/syscalls/sys_exit_read/enable"), Is.False);
            Assert.That(Written("events/syscalls/sys_enter_openat/enable"), Is.EqualTo("1\n"));
            Assert.That(Written("events/syscalls/enable"), Is.Empty);
        });
    }

    [Test]
    public void An_unknown_syscall_is_an_error_naming_it_and_enables_nothing()
    {
        var settings = new HookSettings { Syscalls = ["openat", "frobnicate"] };
        var error = Assert.Throws<HookException>(() => InstanceSetup.Apply(_instance, settings, Pid));
        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("frobnicate").And.Contain(HookSettings.SyscallsKey));
            Assert.That(error.Message, Does.Not.Contain("openat"));
            Assert.That(Written("events/syscalls/sys_enter_openat/enable"), Is.Empty);
            Assert.That(Written("events/syscalls/enable"), Is.Empty);
            Assert.That(Written(InstanceSetup.ExecTrigger), Is.Empty);
        });
    }

    [Test]
    public void A_kernel_without_pause_on_trace_is_fine()
    {
        File.Delete(_instance.FilePath("options/pause-on-trace"));
        InstanceSetup.Apply(_instance, new HookSettings(), Pid);
        Assert.Multiple(() =>
        {
            Assert.That(_instance.HasFile("options/pause-on-trace"), Is.False);
            Assert.That(Written("set_event_pid"), Is.EqualTo($"{Pid}\n"));
        });
    }

    [Test]
    public void A_missing_control_file_is_a_hook_error_naming_the_file()
    {
        File.Delete(_instance.FilePath("set_event_pid"));
        var error = Assert.Throws<HookException>(() => InstanceSetup.Apply(_instance, new HookSettings(), Pid));
        Assert.That(error!.Message, Does.Contain(_instance.FilePath("set_event_pid")).And.Contain($"'{Pid}'"));
    }
}
