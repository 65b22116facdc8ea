using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.Oci;

public class HookSettingsTests
{
    private static HookSettings Parse(params (string Key, string Value)[] pairs) =>
        HookSettings.FromAnnotations(pairs.ToDictionary(p => p.Key, p => p.Value));

    [Test]
    public void Defaults_apply_when_no_annotation_is_ours()
    {
        var settings = Parse(("com.example.other", "x"));
        Assert.Multiple(() =>
        {
            Assert.That(settings.Enabled, Is.True);
            Assert.That(settings.Syscalls, Is.Null);
            Assert.That(settings.BufferSizeKb, Is.Null);
            Assert.That(settings.Overwrite, Is.True);
            Assert.That(settings.IncludeRuntimeSetup, Is.False);
            Assert.That(settings.MountPath, Is.EqualTo("/sys/kernel/tracing"));
            Assert.That(settings.SaveDir, Is.EqualTo(HookSettings.DefaultSaveDir));
            Assert.That(settings.WriteBufferBytes, Is.Zero, "buffers' bytes are kept out");
        });
    }

    [TestCase("off", 0)]
    [TestCase("on", null)]
    [TestCase("1", 1)]
    [TestCase("165", 165)]
    public void Write_buffers_are_off_on_or_a_number_of_bytes(string value, int? bytes) =>
        Assert.That(Parse((HookSettings.WriteBuffersKey, value)).WriteBufferBytes, Is.EqualTo(bytes));

    [Test]
    public void Every_setting_is_read()
    {
        var settings = Parse(
            (HookSettings.EnabledKey, "false"),
            (HookSettings.SyscallsKey, "openat, read,write,openat"),
            (HookSettings.BufferSizeKey, "512"),
            (HookSettings.OverwriteKey, "false"),
            (HookSettings.IncludeRuntimeSetupKey, "true"),
            (HookSettings.MountPathKey, "/debug/trace/"),
            (HookSettings.SaveDirKey, "/srv/traces"));
        Assert.Multiple(() =>
        {
            Assert.That(settings.Enabled, Is.False);
            Assert.That(settings.Syscalls, Is.EqualTo(new[] { "openat", "read", "write" }));
            Assert.That(settings.BufferSizeKb, Is.EqualTo(512));
            Assert.That(settings.Overwrite, Is.False);
            Assert.That(settings.IncludeRuntimeSetup, Is.True);
            Assert.That(settings.MountPath, Is.EqualTo("/debug/trace"));
            Assert.That(settings.SaveDir, Is.EqualTo("/srv/traces"));
        });
    }

    [TestCase(HookSettings.EnabledKey, "yes", "expected true or false")]
    [TestCase(HookSettings.OverwriteKey, "", "expected true or false")]
    [TestCase(HookSettings.BufferSizeKey, "0", "from 1 to 65536")]
    [TestCase(HookSettings.BufferSizeKey, "-5", "from 1 to 65536")]
    [TestCase(HookSettings.BufferSizeKey, "65537", "from 1 to 65536")]
    [TestCase(HookSettings.BufferSizeKey, "1e3", "from 1 to 65536")]
    [TestCase(HookSettings.SyscallsKey, "open at", "is not a syscall name")]
    [TestCase(HookSettings.SyscallsKey, "openat,,read", "is not a syscall name")]
    [TestCase(HookSettings.SyscallsKey, "../enable", "is not a syscall name")]
    [TestCase(HookSettings.MountPathKey, "relative/path", "expected an absolute path")]
    [TestCase(HookSettings.MountPathKey, "/sys/../etc", "'..' path components are not allowed")]
    [TestCase(HookSettings.MountPathKey, "/", "root directory is not allowed")]
    [TestCase(HookSettings.MountPathKey, "/proc", "not a safe place for the trace files")]
    [TestCase(HookSettings.MountPathKey, "/proc/self/trace", "not a safe place for the trace files")]
    [TestCase(HookSettings.MountPathKey, "/dev", "not a safe place for the trace files")]
    [TestCase(HookSettings.MountPathKey, "/dev/shm", "not a safe place for the trace files")]
    [TestCase(HookSettings.MountPathKey, "/sys", "not a safe place for the trace files")]
    [TestCase(HookSettings.MountPathKey, "/sys/kernel", "not a safe place for the trace files")]
    [TestCase(HookSettings.MountPathKey, "/sys/kernel/tracing/instances", "not a safe place for the trace files")]
    [TestCase(HookSettings.SaveDirKey, "/var//lib", "empty, '.' and '..'")]
    [TestCase(HookSettings.SaveDirKey, "/var/\nlib", "control characters")]
    [TestCase(HookSettings.WriteBuffersKey, "0", "from 1 to 165")]
    [TestCase(HookSettings.WriteBuffersKey, "166", "from 1 to 165")]
    [TestCase(HookSettings.WriteBuffersKey, "true", "expected off, on, or a number of bytes")]
    [TestCase(HookSettings.Prefix + "bufer-size-kb", "64", "unknown setting")]
    public void Bad_values_are_refused_with_the_key_and_the_reason(string key, string value, string reason)
    {
        var error = Assert.Throws<HookException>(() => Parse((key, value)));
        Assert.That(error!.Message, Does.StartWith($"annotation {key}=").And.Contain(reason));
    }

    [Test]
    public void Over_long_values_are_refused_and_shortened_in_the_message()
    {
        var error = Assert.Throws<HookException>(() => Parse((HookSettings.MountPathKey, "/" + new string('a', 300))));
        Assert.That(error!.Message, Does.Contain("at most 256 characters").And.Length.LessThan(200));
    }

    [TestCase("/sys/kernel/tracing")]
    [TestCase("/sys/kernel/debug/tracing")]
    [TestCase("/debug/ftrace")]
    [TestCase("/procfs/trace")]
    [TestCase("/devices/trace")]
    public void Tracefs_places_and_rootfs_directories_are_allowed_mount_paths(string path) =>
        Assert.That(Parse((HookSettings.MountPathKey, path)).MountPath, Is.EqualTo(path));
}
