using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Tests.DecodingTests;

/// <summary>Checks the decoder's errno names and messages against the kernel's uapi headers and
/// the C library, not against the product's own table.</summary>
public class ErrnoTests
{
    private static readonly string[] Headers = ["/usr/include/asm-generic/errno-base.h", "/usr/include/asm-generic/errno.h"];

    private static readonly Regex Define = new(@"^#define\s+(E[A-Z0-9]+)\s+(\S+)", RegexOptions.CultureInvariant);

    /// <summary>Every errno name of the headers with its number, in the headers' order.</summary>
    private static List<(string Name, int Number)> ReadHeaders()
    {
        var missing = Headers.Where(h => !File.Exists(h)).ToArray();
        if (missing.Length > 0) Assert.Ignore($"kernel uapi headers missing ({string.Join(", ", missing)}); install linux-libc-dev");
        var values = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<(string, int)>();
        foreach (var header in Headers)
        {
            foreach (var line in File.ReadLines(header))
            {
                var m = Define.Match(line);
                if (!m.Success) continue;
                var (name, value) = (m.Groups[1].Value, m.Groups[2].Value);
                var number = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : values[value];
                values[name] = number;
                order.Add((name, number));
            }
        }
        Assert.That(order, Has.Count.GreaterThan(100), "the headers define fewer errnos than Linux has");
        return order;
    }

    /// <summary>The first name the headers give each number.</summary>
    private static SortedDictionary<int, string> Primaries()
    {
        var primaries = new SortedDictionary<int, string>();
        foreach (var (name, number) in ReadHeaders()) primaries.TryAdd(number, name);
        return primaries;
    }

    private static string Result(long value)
    {
        var sb = new StringBuilder();
        new ArgumentFormatter(TraceArch.X86_64).AppendResult(sb, "openat", value);
        return sb.ToString();
    }

    [Test]
    public void Every_errno_of_linux_is_shown_with_its_name_and_the_c_librarys_message()
    {
        var primaries = Primaries();
        Assert.Multiple(() =>
        {
            foreach (var (number, name) in primaries)
            {
                var expected = $"-1 {name} ({Marshal.GetPInvokeErrorMessage(number)})";
                Assert.That(Result(-number), Is.EqualTo(expected), $"errno {number}");
            }
        });
    }

    [Test]
    public void Every_errno_is_shown_the_same_way_on_arm64()
    {
        var primaries = Primaries();
        var formatter = new ArgumentFormatter(TraceArch.Arm64);
        Assert.Multiple(() =>
        {
            foreach (var (number, name) in primaries)
            {
                var sb = new StringBuilder();
                formatter.AppendResult(sb, "openat", -number);
                Assert.That(sb.ToString(), Is.EqualTo($"-1 {name} ({Marshal.GetPInvokeErrorMessage(number)})"), $"errno {number}");
            }
        });
    }

    [Test]
    public void Errno_name_gives_the_primary_name_and_never_an_alias()
    {
        var all = ReadHeaders();
        var primaries = Primaries();
        var aliases = all.Where(d => primaries[d.Number] != d.Name).ToList();
        Assert.That(aliases, Is.Not.Empty, "the headers define aliases (EWOULDBLOCK, EDEADLOCK)");
        Assert.Multiple(() =>
        {
            foreach (var (number, name) in primaries) Assert.That(Errno.Name(number), Is.EqualTo(name), $"errno {number}");
            foreach (var (alias, number) in aliases) Assert.That(Errno.Name(number), Is.Not.EqualTo(alias), $"{alias} is an alias of {primaries[number]}");
        });
    }

    [Test]
    public void Ewouldblock_and_edeadlock_are_aliases_of_eagain_and_edeadlk()
    {
        var all = ReadHeaders().ToDictionary(d => d.Name, d => d.Number, StringComparer.Ordinal);
        Assert.Multiple(() =>
        {
            Assert.That(all["EWOULDBLOCK"], Is.EqualTo(all["EAGAIN"]));
            Assert.That(all["EDEADLOCK"], Is.EqualTo(all["EDEADLK"]));
            Assert.That(Errno.Name(all["EWOULDBLOCK"]), Is.EqualTo("EAGAIN"));
            Assert.That(Errno.Name(all["EDEADLOCK"]), Is.EqualTo("EDEADLK"));
        });
    }

    [Test]
    public void A_number_no_header_defines_is_named_by_its_number()
    {
        var primaries = Primaries();
        var gaps = Enumerable.Range(1, primaries.Keys.Max()).Where(n => !primaries.ContainsKey(n)).ToList();
        Assert.That(gaps, Is.Not.Empty, "the headers leave numbers unused (41, 58)");
        Assert.Multiple(() =>
        {
            foreach (var n in gaps.Append(primaries.Keys.Max() + 1).Append(1000).Append(4095))
            {
                Assert.That(Errno.Name(n), Is.EqualTo("E" + n.ToString(CultureInfo.InvariantCulture)));
                Assert.That(Errno.Message(n), Is.EqualTo(Marshal.GetPInvokeErrorMessage(n)), $"errno {n}");
                Assert.That(Result(-n), Is.EqualTo($"-1 E{n} ({Marshal.GetPInvokeErrorMessage(n)})"));
            }
        });
    }

    [Test]
    public void Zero_is_no_errno()
    {
        Assert.That(Errno.Name(0), Is.EqualTo("E0"));
    }
}
