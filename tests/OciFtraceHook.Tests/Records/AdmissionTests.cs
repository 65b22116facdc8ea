using OciFtraceHook.Processes;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.RecordsTests;

public class AdmissionTests
{
    private string _temp = null!;
    private InstanceRecords _records = null!;
    private static readonly Admission.Limits NoLimits = new(0, long.MaxValue);

    [SetUp]
    public void CreateDir()
    {
        _temp = Directory.CreateTempSubdirectory("admission-").FullName;
        _records = new InstanceRecords(Path.Combine(_temp, "instances"));
    }

    [TearDown]
    public void RemoveDir() => Directory.Delete(_temp, recursive: true);

    /// <summary>A record whose init is this test process (alive), or a PID that has ended.</summary>
    private static InstanceRecord Record(string id, bool alive, long bytes = 0)
    {
        var self = InitProcessLocator.ReadStat("/proc", Environment.ProcessId)!;
        return new InstanceRecord
        {
            ContainerId = id, SaveDir = "/tmp", Pid = Environment.ProcessId, PidStartTime = alive ? self.StartTime : self.StartTime + 1,
            Created = DateTimeOffset.UtcNow, RingBufferBytes = bytes,
        };
    }

    private static int _starts;

    private void Admit(string id, bool alive = true, long bytes = 0, Admission.Limits? limits = null) =>
        Admission.Admit(_records, InstanceName.ForStart(id, 1000 + Interlocked.Increment(ref _starts), 42), Record(id, alive, bytes), limits ?? NoLimits, out _);

    [Test]
    public void A_running_containers_id_is_refused_an_ended_ones_is_not()
    {
        Admit("web");
        Assert.That(() => Admit("web"), Throws.TypeOf<HookException>().With.Message.Contains("container id web is already traced by a running container"));
        Admit("old", alive: false);
        Assert.That(() => Admit("old"), Throws.Nothing, "an ended start's leftover never blocks a reused id");
        Assert.That(_records.OfContainer("old").Count(), Is.EqualTo(2), "each start has its own record");
    }

    private void AdmitAs(string id, string tenant, long bytes, Admission.Limits limits) =>
        Admission.Admit(_records, InstanceName.ForStart(id, 1000 + Interlocked.Increment(ref _starts), 42),
            Record(id, alive: true, bytes) with { Tenant = tenant }, limits, out _);

    /// <summary>One tenant filling the host's cap used to refuse every other tenant's start.</summary>
    [Test]
    public void A_tenant_at_its_cap_is_refused_alone_and_the_others_still_start()
    {
        var limits = new Admission.Limits(0, 300, MaxTracedContainersPerTenant: 0, MaxRingBufferBytesPerTenant: 200);
        AdmitAs("a1", "ns=a", 100, limits);
        AdmitAs("a2", "ns=a", 100, limits);
        Assert.That(() => AdmitAs("a3", "ns=a", 100, limits), Throws.TypeOf<HookException>().With.Message
            .Contains("would bring tenant ns=a's instances to 1 MiB: max-ring-buffer-mb-per-tenant in hook.conf allows 1 MiB"));
        Assert.That(() => AdmitAs("b1", "ns=b", 100, limits), Throws.Nothing, "another tenant still has room");

        var counted = new Admission.Limits(0, long.MaxValue, MaxTracedContainersPerTenant: 1);
        AdmitAs("c1", "ns=c", 0, counted);
        Assert.That(() => AdmitAs("c2", "ns=c", 0, counted), Throws.TypeOf<HookException>().With.Message
            .Contains("tenant ns=c has 1 containers traced already: max-traced-containers-per-tenant in hook.conf allows 1"));
        Assert.That(() => AdmitAs("d1", "ns=d", 0, counted), Throws.Nothing);
    }

    [Test]
    public void Without_a_tenant_annotation_each_container_is_its_own_tenant() =>
        Assert.Multiple(() =>
        {
            Assert.That(OciFtraceHook.Oci.Tenant.Of(null, "web", OciFtraceHook.Oci.Tenant.KubernetesNamespaceAnnotations), Is.EqualTo("id=web"));
            Assert.That(OciFtraceHook.Oci.Tenant.Of(new Dictionary<string, string> { ["io.kubernetes.cri.sandbox-namespace"] = "shop" }, "web",
                OciFtraceHook.Oci.Tenant.KubernetesNamespaceAnnotations), Is.EqualTo("io.kubernetes.cri.sandbox-namespace=shop"));
            Assert.That(OciFtraceHook.Oci.Tenant.Of(new Dictionary<string, string> { ["io.kubernetes.pod.namespace"] = "" }, "web",
                OciFtraceHook.Oci.Tenant.KubernetesNamespaceAnnotations), Is.EqualTo("id=web"), "an empty value names no tenant");
            Assert.That(OciFtraceHook.Oci.Tenant.Of(new Dictionary<string, string> { ["io.kubernetes.pod.namespace"] = "victim" }, "web",
                new OciFtraceHook.Oci.HookConf().TenantAnnotations), Is.EqualTo("id=web"), "by default no annotation, which an owner writes, names a tenant");
        });

    [Test]
    public void The_same_start_admitted_twice_is_admitted_once()
    {
        var name = InstanceName.ForStart("twice", 4242, 42);
        Assert.That(Admission.Admit(_records, name, Record("twice", alive: true), NoLimits, out _), Is.True);
        Assert.That(Admission.Admit(_records, name, Record("twice", alive: true), NoLimits, out _), Is.False,
            "the hook named twice for one start (hooks.d and CDI): no refusal, nothing written");
        Assert.That(_records.OfContainer("twice").Count(), Is.EqualTo(1));
    }

    [Test]
    public void Max_traced_containers_counts_running_containers_only()
    {
        var limits = new Admission.Limits(2, long.MaxValue);
        Admit("a", limits: limits);
        Admit("gone", alive: false, limits: limits);
        Admit("b", limits: limits);
        Assert.That(() => Admit("c", limits: limits),
            Throws.TypeOf<HookException>().With.Message.Contains("2 containers are traced already: max-traced-containers in hook.conf allows 2"));
        Assert.That(_records.OfContainer("c"), Is.Empty, "a refused start writes no record");
    }

    [Test]
    public void The_ring_buffer_cap_counts_every_instance_that_still_exists()
    {
        var limits = new Admission.Limits(0, 100L << 20);
        Admit("a", bytes: 40L << 20, limits: limits);
        Admit("ended-not-removed", alive: false, bytes: 40L << 20, limits: limits);
        Assert.That(() => Admit("b", bytes: 40L << 20, limits: limits),
            Throws.TypeOf<HookException>().With.Message.Contains("would bring the instances on this host to 120 MiB: max-ring-buffer-mb in hook.conf allows 100 MiB"));
        Assert.That(() => Admit("small", bytes: 20L << 20, limits: limits), Throws.Nothing);
    }

    [Test]
    public void Concurrent_admissions_never_overshoot_together()
    {
        var limits = new Admission.Limits(3, long.MaxValue);
        var admitted = 0;
        Parallel.For(0, 12, new ParallelOptions { MaxDegreeOfParallelism = 12 }, i =>
        {
            try
            {
                Admit($"c{i}", limits: limits);
                Interlocked.Increment(ref admitted);
            }
            catch (HookException)
            {
            }
        });
        Assert.That(admitted, Is.EqualTo(3));
        Assert.That(_records.All().Count(), Is.EqualTo(3));
    }

    [TestCase("0-1\n", 2)]
    [TestCase("0-3,6,8-9", 7)]
    [TestCase("0", 1)]
    public void Online_cpus_are_counted_from_the_kernels_list(string list, int cpus) =>
        Assert.That(RingBufferMemory.CountCpus(list), Is.EqualTo(cpus));
}
