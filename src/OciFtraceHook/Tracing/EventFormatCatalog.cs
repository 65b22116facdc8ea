using System.Globalization;
using System.Text;

namespace OciFtraceHook.Tracing;

/// <summary>Finds the format file of an event by the type id the ring buffer stores. Ids are given
/// at boot (and when a module adds events), and reading the 700-odd syscall formats to find them
/// takes 25 ms, so the formats found are kept in a cache under /run that names the boot it is from;
/// an id the cache lacks makes it read tracefs again.</summary>
internal sealed class EventFormatCatalog(string eventsDir, string? cachePath)
{
    public const string DefaultCachePath = "/run/oci-ftrace-hook/event-formats";
    private const int MaxFormatBytes = 1 << 20;
    private const int MaxFormats = 1 << 16;

    /// <summary>Systems searched first: the events the hook enables, then the markers.</summary>
    private static readonly string[] FirstSystems = ["syscalls", "ftrace"];

    /// <summary>The formats of <paramref name="ids"/> found in tracefs, plus the marker's
    /// (ftrace/print), which trace-cmd needs to show trace_marker lines.</summary>
    public IReadOnlyList<EventFormatFile> Find(IReadOnlySet<int> ids)
    {
        var found = LoadCache(ids);
        if (found is null)
        {
            var known = Scan(ids);
            SaveCache(known);
            found = known.Values.Where(f => Wanted(f.Id, f.System, f.Name, ids)).ToList();
        }
        return found.OrderBy(f => f.Id).ToList();
    }

    private static bool Wanted(int id, string system, string name, IReadOnlySet<int> ids) =>
        ids.Contains(id) || (system == "ftrace" && name == "print");

    private Dictionary<int, EventFormatFile> Scan(IReadOnlySet<int> ids)
    {
        var found = new Dictionary<int, EventFormatFile>();
        var systems = Directory.Exists(eventsDir)
            ? Directory.EnumerateDirectories(eventsDir).Select(Path.GetFileName).OfType<string>().ToList()
            : [];
        var ordered = FirstSystems.Where(systems.Contains).Concat(systems.Except(FirstSystems).Order(StringComparer.Ordinal));
        foreach (var system in ordered)
        {
            // Other systems are read only for ids the first ones lack (a module's events, say).
            if (!FirstSystems.Contains(system) && ids.All(found.ContainsKey)) break;
            foreach (var dir in Directory.EnumerateDirectories(Path.Combine(eventsDir, system)))
            {
                var path = Path.Combine(dir, "format");
                byte[] text;
                try
                {
                    text = File.ReadAllBytes(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    continue;
                }
                if (IdOf(text) is { } id) found[id] = new EventFormatFile(id, system, Path.GetFileName(dir), text);
            }
        }
        return found;
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

    /// <summary>The cached formats of <paramref name="ids"/> and the marker's, or null when the cache
    /// is missing, from another boot or lacks one of them. The cache holds every syscall's format
    /// (~400 KiB): only those asked for are copied out of it.</summary>
    private List<EventFormatFile>? LoadCache(IReadOnlySet<int> ids)
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
            var found = new List<EventFormatFile>();
            var missing = new HashSet<int>(ids);
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
                found.Add(new EventFormatFile(id, system, name, reader.ReadBytes(length)));
                missing.Remove(id);
                marker |= system == "ftrace" && name == "print";
            }
            return missing.Count == 0 && marker ? found : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EndOfStreamException)
        {
            return null;
        }
    }

    /// <summary>Written to a temporary file and renamed; a cache that cannot be written costs the
    /// next save the scan again, nothing more.</summary>
    private void SaveCache(Dictionary<int, EventFormatFile> formats)
    {
        if (cachePath is null) return;
        var temporary = $"{cachePath}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.tmp";
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(cachePath)!);
            using (var writer = new BinaryWriter(File.Create(temporary), Encoding.UTF8))
            {
                writer.Write(BootId.Current());
                writer.Write(eventsDir);
                writer.Write(formats.Count);
                foreach (var format in formats.Values)
                {
                    writer.Write(format.Id);
                    writer.Write(format.System);
                    writer.Write(format.Name);
                    writer.Write(format.Text.Length);
                    writer.Write(format.Text);
                }
            }
            File.Move(temporary, cachePath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temporary);
        }
    }
}
