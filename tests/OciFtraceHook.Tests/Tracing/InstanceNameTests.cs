using System.Text.RegularExpressions;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.TracingTests;

public class InstanceNameTests
{
    private static readonly Regex Shape = new("^oci-ftrace-(?<readable>[A-Za-z0-9_-]*)-(?<hash>[0-9a-f]{16})$", RegexOptions.CultureInvariant);

    private static (string Readable, string Hash) Split(string name)
    {
        var match = Shape.Match(name);
        Assert.That(match.Success, Is.True, $"'{name}' is not oci-ftrace-<readable>-<16 hex digits>");
        return (match.Groups["readable"].Value, match.Groups["hash"].Value);
    }

    [Test]
    public void A_plain_id_is_kept_as_is_before_the_hash()
    {
        var name = InstanceName.For("web-01_a");
        Assert.Multiple(() =>
        {
            Assert.That(name, Does.StartWith(InstanceName.Prefix));
            Assert.That(Split(name).Readable, Is.EqualTo("web-01_a"));
        });
    }

    [TestCase("a+b", "a_b")]
    [TestCase("a.b", "a_b")]
    [TestCase("v1.2+build.7", "v1_2_build_7")]
    [TestCase(".hidden", "_hidden")]
    [TestCase("UPPER-lower_09", "UPPER-lower_09")]
    public void Only_letters_digits_underscore_and_dash_survive(string id, string readable)
    {
        Assert.That(Split(InstanceName.For(id)).Readable, Is.EqualTo(readable));
    }

    [Test]
    public void The_name_never_holds_a_dot_or_plus()
    {
        var name = InstanceName.For("x.y+z.");
        Assert.That(name, Does.Not.Contain(".").And.Not.Contain("+"));
    }

    [Test]
    public void The_readable_part_is_capped_at_40_characters()
    {
        var longId = new string('x', 39) + "ABCDEFGHIJ";
        var (readable, _) = Split(InstanceName.For(longId));
        Assert.That(readable, Is.EqualTo(longId[..40]));
    }

    [Test]
    public void A_readable_part_of_exactly_40_characters_is_whole()
    {
        var id = new string('k', 40);
        Assert.That(Split(InstanceName.For(id)).Readable, Is.EqualTo(id));
    }

    [Test]
    public void Ids_that_clean_up_to_the_same_text_get_different_names()
    {
        var names = new[] { "a+b", "a_b", "a.b" }.Select(InstanceName.For).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(names.Select(n => Split(n).Readable), Is.All.EqualTo("a_b"));
            Assert.That(names, Is.Unique);
        });
    }

    [Test]
    public void Ids_that_differ_only_after_the_cap_get_different_names()
    {
        var prefix = new string('p', 40);
        var first = InstanceName.For(prefix + "-one");
        var second = InstanceName.For(prefix + "-two");
        Assert.Multiple(() =>
        {
            Assert.That(Split(first).Readable, Is.EqualTo(Split(second).Readable));
            Assert.That(first, Is.Not.EqualTo(second));
        });
    }

    [Test]
    public void The_name_is_deterministic()
    {
        var id = "container." + Guid.NewGuid();
        Assert.That(InstanceName.For(id), Is.EqualTo(InstanceName.For(new string(id.ToCharArray()))));
    }

    [Test]
    public void The_name_of_a_1024_character_id_is_short()
    {
        var name = InstanceName.For(new string('z', 1024));
        Assert.That(name, Has.Length.EqualTo(InstanceName.Prefix.Length + 40 + 1 + 16));
    }

    [Test]
    public void Empty_and_missing_ids_are_refused()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => InstanceName.ValidateId(""), Throws.TypeOf<HookException>().With.Message.Contains("no container id"));
            Assert.That(() => InstanceName.ValidateId(null), Throws.TypeOf<HookException>().With.Message.Contains("no container id"));
            Assert.That(() => InstanceName.For(""), Throws.TypeOf<HookException>());
        });
    }

    [Test]
    public void Ids_over_1024_characters_are_refused()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => InstanceName.ValidateId(new string('a', 1024)), Throws.Nothing);
            Assert.That(() => InstanceName.ValidateId(new string('a', 1025)),
                Throws.TypeOf<HookException>().With.Message.Contains("1025 characters").And.Message.Contains("at most 1024"));
            Assert.That(() => InstanceName.For(new string('a', 5000)), Throws.TypeOf<HookException>());
        });
    }

    [Test]
    public void Ids_with_a_NUL_are_refused()
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => InstanceName.ValidateId("abc\0def"), Throws.TypeOf<HookException>().With.Message.Contains("NUL"));
            Assert.That(() => InstanceName.For("\0"), Throws.TypeOf<HookException>().With.Message.Contains("NUL"));
        });
    }

    [TestCase("a/b")]
    [TestCase("../../etc")]
    [TestCase("a..b")]
    [TestCase("..")]
    [TestCase("a b")]
    [TestCase("tab\there")]
    [TestCase("é")]
    [TestCase("a:b")]
    public void Ids_outside_the_runtime_character_set_are_refused(string id)
    {
        Assert.Multiple(() =>
        {
            Assert.That(() => InstanceName.ValidateId(id), Throws.TypeOf<HookException>().With.Message.Contains("is not valid"));
            Assert.That(() => InstanceName.For(id), Throws.TypeOf<HookException>());
        });
    }

    [Test]
    public void A_refused_id_is_shown_printable_and_shortened()
    {
        var id = "bad\n" + new string('x', 100);
        var error = Assert.Throws<HookException>(() => InstanceName.ValidateId(id));
        Assert.Multiple(() =>
        {
            Assert.That(error!.Message, Does.Contain("'bad?xxx").And.Contain("...'"));
            Assert.That(error.Message, Does.Not.Contain("\n"));
            Assert.That(error.Message, Has.Length.LessThan(150));
        });
    }

    [Test]
    public void IsOurs_recognises_names_made_by_For_only()
    {
        Assert.Multiple(() =>
        {
            Assert.That(InstanceName.IsOurs(InstanceName.For("anything")), Is.True);
            Assert.That(InstanceName.IsOurs("oci-ftrace-"), Is.True);
            Assert.That(InstanceName.IsOurs("my-instance"), Is.False);
            Assert.That(InstanceName.IsOurs("OCI-FTRACE-x"), Is.False);
            Assert.That(InstanceName.IsOurs("x-oci-ftrace-y"), Is.False);
            Assert.That(InstanceName.IsOurs(""), Is.False);
        });
    }

    [Test]
    public void Each_start_has_its_own_name_under_the_ids_stem()
    {
        var first = InstanceName.ForStart("web-1", 4242, 1000);
        var second = InstanceName.ForStart("web-1", 4242, 2000);
        Assert.Multiple(() =>
        {
            Assert.That(first, Is.Not.EqualTo(second), "a reused PID has another start time");
            Assert.That(first, Does.StartWith(InstanceName.For("web-1") + "-"));
            Assert.That(InstanceName.StemOf(first), Is.EqualTo(InstanceName.For("web-1")));
            Assert.That(InstanceName.StemOf(second + "-app-20260101T000000Z.trace"), Is.EqualTo(InstanceName.For("web-1")));
        });
    }

    [TestCase("a-0123456789abcdef-x")]
    [TestCase("deadbeef")]
    [TestCase("x.y+z")]
    public void The_stem_of_any_ids_names_is_the_ids_stem(string id)
    {
        var longId = new string('q', 60) + id;
        foreach (var each in new[] { id, longId })
            Assert.That(InstanceName.StemOf(InstanceName.ForStart(each, 7, 8) + "-n-20260101T000000Z.trace.1"),
                Is.EqualTo(InstanceName.StemOf(InstanceName.ForStart(each, 9, 10))), each);
        Assert.That(InstanceName.StemOf("unrelated.trace"), Is.Null);
    }
}
