using System.Text.RegularExpressions;
using OciFtraceHook.Tests.EndToEnd.Infrastructure;

namespace OciFtraceHook.Tests.Architecture;

/// <summary>The README is a front door: short, and every link in it and in docs/ leads somewhere
/// (a file of the repository, and a heading of it where a #anchor is given, as GitHub makes them).</summary>
public partial class DocumentationLinksTests
{
    private static string Root => HookBinary.RepositoryRoot;

    private static IEnumerable<string> Pages() =>
        new[] { Path.Combine(Root, "README.md") }.Concat(Directory.GetFiles(Path.Combine(Root, "docs"), "*.md"));

    private static string Slug(string heading)
    {
        var text = Regex.Replace(heading.TrimStart('#').Trim().ToLowerInvariant(), @"[^\w\- ]", "");
        return text.Replace(' ', '-');
    }

    private static HashSet<string> Anchors(string page) =>
        File.ReadLines(page).Where(l => l.StartsWith('#')).Select(Slug).ToHashSet();

    [Test]
    public void Every_link_of_the_readme_and_the_docs_resolves()
    {
        var broken = new List<string>();
        foreach (var page in Pages())
        {
            foreach (Match link in Link().Matches(File.ReadAllText(page)))
            {
                var (target, anchor) = (link.Groups["path"].Value, link.Groups["anchor"].Value);
                if (target.StartsWith("http", StringComparison.Ordinal)) continue;
                var file = target.Length == 0 ? page : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, target));
                if (!File.Exists(file) && !Directory.Exists(file)) broken.Add($"{Path.GetRelativePath(Root, page)}: {target}");
                else if (anchor.Length > 0 && file.EndsWith(".md", StringComparison.Ordinal) && !Anchors(file).Contains(anchor))
                    broken.Add($"{Path.GetRelativePath(Root, page)}: {target}#{anchor}");
            }
        }
        Assert.That(broken, Is.Empty);
    }

    [Test]
    public void The_readme_stays_a_front_door() =>
        Assert.That(File.ReadAllLines(Path.Combine(Root, "README.md")), Has.Length.LessThanOrEqualTo(200));

    [GeneratedRegex(@"\]\((?<path>[^)#\s]*)(?:#(?<anchor>[^)\s]+))?\)")]
    private static partial Regex Link();
}
