using System.Globalization;
using System.Text;
using OciFtraceHook.HostFiles;
using OciFtraceHook.TraceDat;

namespace OciFtraceHook.Tracing;

/// <summary>Finds the format file of an event by the type id the ring buffer stores. Ids are given
/// at boot (and when a module adds events), and reading the 700-odd syscall formats to find them
/// takes 25 ms, so the formats of the systems the hook enables are kept in a cache under /run that
/// names the boot it is from; an id the cache lacks makes it read tracefs again. The path probes'
/// formats are never cached: their definitions come and go, and a removed definition's id may be
/// given to another event later in the same boot.</summary>
internal sealed class EventFormatCatalog(string eventsDir, string? cachePath)
{
    public const string DefaultCachePath = "/run/oci-ftrace-hook/event-formats";
    private const int MaxFormatBytes = 1 << 20;
    private const int MaxFormats = 1 << 16;

    /// <summary>Systems searched first, and the only ones cached: the events the hook enables, then the markers.</summary>
    private static readonly string[] FirstSystems = ["syscalls", "task", "ftrace"];

    /// <summary>The formats of <paramref name="ids"/> found in tracefs, plus the marker's
    /// (ftrace/print), which trace-cmd needs to show trace_marker lines.</summary>
    public IReadOnlyList<EventFormatText> Find(IReadOnlySet<int> ids)
    {
        var found = LoadCache(ids);
        var missing = new HashSet<int>(ids);
        if (found is not null) missing.ExceptWith(found.Select(f => f.Id));
        var probes = missing.Count > 0 ? ReadSystem(PathProbeGroup).Where(f => missing.Contains(f.Id)).ToList() : [];
        missing.ExceptWith(probes.Select(f => f.Id));
        if (found is null || missing.Count > 0)
        {
            var known = Scan(missing);
            SaveCache(known);
            found = known.Values.Where(f => Wanted(f.Id, f.System, f.Name, ids)).ToList();
        }
        return found.Concat(probes).DistinctBy(f => f.Id).OrderBy(f => f.Id).ToList();
    }

    /// <summary>The hook's path probes (PathProbes.Group), read fresh at every save.</summary>
    private const string PathProbeGroup = PathProbes.Group;

    private static bool Wanted(int id, string system, string name, IReadOnlySet<int> ids) =>
        ids.Contains(id) || (system == "ftrace" && name == "print");

    /// <summary>Every format of the first systems (for the cache), and of other systems until
    /// <paramref name="ids"/> are all found (a module's events, say: returned, not cached).</summary>
    private Dictionary<int, EventFormatText> Scan(IReadOnlySet<int> ids)
    {
        var found = new Dictionary<int, EventFormatText>();
        var systems = Directory.Exists(eventsDir)
            ? Directory.EnumerateDirectories(eventsDir).Select(Path.GetFileName).OfType<string>().ToList()
            : [];
        var ordered = FirstSystems.Where(systems.Contains)
            .Concat(systems.Except(FirstSystems).Where(s => s != PathProbeGroup).Order(StringComparer.Ordinal));
        foreach (var system in ordered)
        {
            if (!FirstSystems.Contains(system) && ids.All(found.ContainsKey)) break;
            foreach (var format in ReadSystem(system)) found[format.Id] = format;
        }
        return found;
    }

    private IEnumerable<EventFormatText> ReadSystem(string system)
    {
        var dir = Path.Combine(eventsDir, system);
        if (!Directory.Exists(dir)) yield break;
        foreach (var eventDir in Directory.EnumerateDirectories(dir))
        {
            byte[] text;
            try
            {
                text = File.ReadAllBytes(Path.Combine(eventDir, "format"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            if (IdOf(text) is { } id) yield return new EventFormatText(id, system, Path.GetFileName(eventDir), text);
        }
    }

    /// <summary>The "ID: 782" line of a format file.</summary>
    internal static int? IdOf(ReadOnlySpan<byte> format)
    {
        var at = format.IndexOf("\nID: "u8);
        if (at < 0) return null;
        var rest = format[(at + 5)..];
        var end = rest.IndexOf((byte)'\n');
        return int.TryParse(Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id : null;
    }

    /// <summary>The cached formats of <paramref name="ids"/> and the marker's (the caller looks
    /// elsewhere for those it lacks), or null when the cache is missing, from another boot or has no
    /// marker. The cache holds every syscall's format (~400 KiB): only those asked for are copied out of it.</summary>
    private List<EventFormatText>? LoadCache(IReadOnlySet<int> ids)
    {
        if (cachePath is null) return null;
        try
        {
            // One read, then parsing in memory: a BinaryReader on the file itself reads each
            // format with a pread of its own.
            var bytes = File.ReadAllBytes(cachePath);
            using var stream = new MemoryStream(bytes, writable: false);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            if (reader.ReadString() != BootId.Current() || reader.ReadString() != eventsDir) return null;
            var count = reader.ReadInt32();
            if (count is < 0 or > MaxFormats) return null;
            var found = new List<EventFormatText>();
            var marker = false;
            for (var i = 0; i < count; i++)
            {
                var id = reader.ReadInt32();
                var system = reader.ReadString();
                var name = reader.ReadString();
                var length = reader.ReadInt32();
                if (length is < 0 or > MaxFormatBytes || length > stream.Length - stream.Position) return null;
                if (!Wanted(id, system, name, ids))
                {
                    stream.Position += length;
                    continue;
                }
                found.Add(new EventFormatText(id, system, name, reader.ReadBytes(length)));
                marker |= system == "ftrace" && name == "print";
            }
            return marker ? found : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>Written to a temporary file and renamed; a cache that cannot be written costs the
    /// next save the scan again, nothing more.</summary>
    private void SaveCache(Dictionary<int, EventFormatText> formats)
    {
        if (cachePath is null) return;
        try
        {
            RunDirectory.Ensure(Path.GetDirectoryName(cachePath)!);
            AtomicFile.Replace(cachePath, output =>
            {
                using var writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true);
                writer.Write(BootId.Current());
                writer.Write(eventsDir);
                var cached = formats.Values.Where(f => FirstSystems.Contains(f.System)).ToList();
                writer.Write(cached.Count);
                foreach (var format in cached)
                {
                    writer.Write(format.Id);
                    writer.Write(format.System);
                    writer.Write(format.Name);
                    writer.Write(format.Text.Length);
                    writer.Write(format.Text);
                }
            }, durable: false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or HookException)
        {
            // The next save scans again.
        }
    }
}
