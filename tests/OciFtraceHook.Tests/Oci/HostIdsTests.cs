using OciFtraceHook.Oci;

namespace OciFtraceHook.Tests.Oci;

public class HostIdsTests
{
    [Test]
    public void Without_mappings_the_ids_are_the_hosts()
    {
        var config = new ContainerConfig { Process = new ProcessConfig { User = new UserConfig { Uid = 1000, Gid = 100 } } };
        Assert.That(HostIds.ForProcess(config), Is.EqualTo((1000u, 100u)));
    }

    [Test]
    public void A_user_namespace_maps_ids_through_the_matching_range()
    {
        var config = new ContainerConfig
        {
            Process = new ProcessConfig { User = new UserConfig { Uid = 1001, Gid = 0 } },
            Linux = new LinuxConfig
            {
                UidMappings = [new IdMapping { ContainerId = 0, HostId = 100000, Size = 1000 }, new IdMapping { ContainerId = 1000, HostId = 5000, Size = 10 }],
                GidMappings = [new IdMapping { ContainerId = 0, HostId = 200000, Size = 65536 }],
            },
        };
        Assert.That(HostIds.ForProcess(config), Is.EqualTo((5001u, 200000u)));
    }

    [Test]
    public void An_unmapped_id_is_an_error()
    {
        var mappings = new[] { new IdMapping { ContainerId = 0, HostId = 100000, Size = 1000 } };
        var error = Assert.Throws<HookException>(() => HostIds.Map(1000, mappings, "uid"));
        Assert.That(error!.Message, Does.Contain("container uid 1000 is not in linux.uidMappings"));
    }

    [Test]
    public void A_mapping_that_overflows_the_host_range_is_an_error()
    {
        var mappings = new[] { new IdMapping { ContainerId = 0, HostId = uint.MaxValue - 1, Size = 10 } };
        Assert.Throws<HookException>(() => HostIds.Map(5, mappings, "gid"));
    }
}
