using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.SavedTraces;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.SavedTracesTests;

/// <summary>Names carry the pod's namespace where the engine gives it, and `show NAME` finds one
/// container by its whole name or by pod/container, never one of several silently.</summary>
public class SavedTraceSearchTests
{
    private string _root = null!;
    private SavedTraceSearch _search = null!;

    [SetUp]
    public void Create()
    {
        _root = Directory.CreateTempSubdirectory("search-").FullName;
        _search = new SavedTraceSearch([_root], new InstanceRecords(Path.Combine(_root, "records")));
    }

    [TearDown]
    public void Remove() => Directory.Delete(_root, recursive: true);

    private void Saved(string id, string name) =>
        File.WriteAllText(Path.Combine(_root, $"{InstanceName.For(id)}-1-1-20260101T000000Z{SavedTraceNames.Text}"),
            $"{TextSave.ContainerHeader}{id}\n{TextSave.NameHeader}{name}\n");

    [Test]
    public void The_namespace_leads_the_name_where_the_engine_gives_it()
    {
        Assert.That(ContainerName.FromAnnotations(new Dictionary<string, string>
        {
            ["io.kubernetes.cri.sandbox-namespace"] = "shop", ["io.kubernetes.cri.sandbox-name"] = "web-7f9c", ["io.kubernetes.cri.container-name"] = "app",
        }), Is.EqualTo("shop/web-7f9c/app"), "containerd's CRI");
        Assert.That(ContainerName.FromAnnotations(new Dictionary<string, string>
        {
            ["io.kubernetes.pod.namespace"] = "blog", ["io.kubernetes.pod.name"] = "web-7f9c", ["io.kubernetes.container.name"] = "app",
        }), Is.EqualTo("blog/web-7f9c/app"), "CRI-O");
        Assert.That(ContainerName.FromAnnotations(new Dictionary<string, string>
        {
            ["io.kubernetes.pod.name"] = "web-7f9c", ["io.kubernetes.container.name"] = "app",
        }), Is.EqualTo("web-7f9c/app"), "no namespace given");
    }

    [Test]
    public void One_pod_name_in_two_namespaces_is_an_error_listing_both_and_the_whole_name_finds_one()
    {
        Saved("c-shop", "shop/web/app");
        Saved("c-blog", "blog/web/app");
        Assert.That(() => _search.ResolveContainerId("web/app"),
            Throws.TypeOf<HookException>().With.Message.EqualTo("'web/app' matches several containers: c-blog, c-shop"));
        Assert.That(_search.ResolveContainerId("shop/web/app"), Is.EqualTo("c-shop"));
        Assert.That(_search.ResolveContainerId("blog/web/app"), Is.EqualTo("c-blog"));
        Assert.That(_search.ResolveContainerId("app"), Is.EqualTo("app"), "a bare container name is taken as an id, not matched to either");
    }

    [Test]
    public void Pod_and_container_find_the_one_container_of_that_name() =>
        Assert.That(new Func<string>(() => { Saved("c-only", "shop/web/app"); return _search.ResolveContainerId("web/app"); })(), Is.EqualTo("c-only"));

    [Test]
    public void A_trace_is_found_by_any_extension_of_a_saved_trace_and_a_file_not_named_like_ours_is_not()
    {
        string Put(string id, string name)
        {
            var path = Path.Combine(_root, name);
            File.WriteAllText(path, $"{TextSave.ContainerHeader}{id}\n");
            return path;
        }
        var text = Put("c-text", $"{InstanceName.For("c-text")}-1-1-20260101T000000Z{SavedTraceNames.Text}");
        var earlier = Put("c-earlier", $"{InstanceName.For("c-earlier")}-1-1-20260101T000000Z{SavedTraceNames.Earlier}");
        Put("c-notes", "notes.txt");
        Assert.Multiple(() =>
        {
            Assert.That(_search.FindNewest("c-text"), Is.EqualTo(text));
            Assert.That(_search.FindNewest("c-earlier"), Is.EqualTo(earlier), "saved by an earlier version");
            Assert.That(_search.FindNewest("c-notes"), Is.Null, "not a name of ours");
        });
    }
}
