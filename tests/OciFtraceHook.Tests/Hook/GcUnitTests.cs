using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.HookTests;

/// <summary>The systemd unit that runs gc as root every few minutes is hardened: it can write
/// only where gc writes, gains no privileges, and keeps only the capabilities it needs.</summary>
public class GcUnitTests
{
    private static Dictionary<string, string> Service()
    {
        var path = Path.Combine(HookBinary.RepositoryRoot, "hooks", "systemd", "oci-ftrace-hook-gc.service");
        var settings = new Dictionary<string, string>();
        var section = "";
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[') section = line;
            else if (section == "[Service]" && line.IndexOf('=') is var eq and > 0) settings[line[..eq]] = line[(eq + 1)..];
        }
        return settings;
    }

    [Test]
    public void The_gc_service_is_hardened()
    {
        var service = Service();
        Assert.Multiple(() =>
        {
            Assert.That(service["NoNewPrivileges"], Is.EqualTo("yes"));
            Assert.That(service["ProtectSystem"], Is.EqualTo("strict"));
            Assert.That(service["ReadWritePaths"].Split(' '), Is.EquivalentTo(new[] { "-/var/lib/oci-ftrace-hook", "/run/oci-ftrace-hook" }),
                "the default save directory and the records stay writable");
            Assert.That(service["PrivateTmp"], Is.EqualTo("yes"));
            Assert.That(service["UMask"], Is.EqualTo("0077"));
            Assert.That(service["CapabilityBoundingSet"].Split(' '), Is.EquivalentTo(new[] { "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER" }));
            Assert.That(service["ExecStart"], Is.EqualTo("/usr/libexec/oci-ftrace-hook/oci-ftrace-hook gc"));
        });
    }

    [Test]
    public void The_default_save_directory_is_the_one_the_service_may_write()
    {
        Assert.That(Service()["ReadWritePaths"], Does.Contain(Path.GetDirectoryName(OciFtraceHook.Oci.HookSettings.DefaultSaveDir)!));
    }
}
