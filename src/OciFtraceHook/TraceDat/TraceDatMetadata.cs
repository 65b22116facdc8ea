using System.Globalization;
using System.Text;

namespace OciFtraceHook.TraceDat;

/// <summary>What a saved trace.dat says about its container, in an option of its own: text lines
/// "key value" ("container ID", "name NAME", "arch x86_64", "kernel 6.18.0", "lost-events N"...),
/// then "tgids" and the kernel's saved_tgids to the end. trace-cmd skips an option it does not
/// know, so the file opens in `trace-cmd report` unchanged.</summary>
internal sealed record TraceDatMetadata
{
    /// <summary>The option's id: far above trace-cmd's own (which end below 32).</summary>
    public const ushort OptionId = 0x4f48; // "OH"
    private const string Magic = "oci-ftrace-hook 1";
    private const int MaxTgids = 1 << 16;

    public required string ContainerId { get; init; }
    public string? Name { get; init; }
    /// <summary>Whose the container was, for the per-tenant disk share (see Oci.Tenant).</summary>
    public string? Tenant { get; init; }
    public string? Instance { get; init; }
    public string? Arch { get; init; }
    public string? KernelRelease { get; init; }
    public DateTimeOffset? SavedAt { get; init; }
    public long LostEvents { get; init; }
    /// <summary>How file paths were recorded, as the text header says it ("off", "none: WHY"...).</summary>
    public string? Paths { get; init; }
    /// <summary>Thread id to thread group id, from saved_tgids.</summary>
    public IReadOnlyDictionary<int, int> Tgids { get; init; } = new Dictionary<int, int>();

    public byte[] ToBytes(ReadOnlySpan<byte> savedTgids)
    {
        var text = new StringBuilder()
            .Append(Magic).Append('\n')
            .Append("container ").Append(OneLine(ContainerId)).Append('\n');
        if (Name is not null) text.Append("name ").Append(OneLine(Name)).Append('\n');
        if (Tenant is not null) text.Append("tenant ").Append(OneLine(Tenant)).Append('\n');
        if (Instance is not null) text.Append("instance ").Append(OneLine(Instance)).Append('\n');
        if (Arch is not null) text.Append("arch ").Append(OneLine(Arch)).Append('\n');
        if (KernelRelease is not null) text.Append("kernel ").Append(OneLine(KernelRelease)).Append('\n');
        if (SavedAt is { } at) text.Append("saved ").Append(at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture)).Append('\n');
        text.Append("lost-events ").Append(LostEvents.ToString(CultureInfo.InvariantCulture)).Append('\n');
        if (Paths is not null) text.Append("paths ").Append(OneLine(Paths)).Append('\n');
        text.Append("tgids\n");
        var head = Encoding.UTF8.GetBytes(text.ToString());
        var bytes = new byte[head.Length + savedTgids.Length + 1];
        head.CopyTo(bytes, 0);
        savedTgids.CopyTo(bytes.AsSpan(head.Length));
        return bytes; // NUL-terminated, as trace-cmd's text options are
    }

    /// <summary>The metadata an option holds, or null when it is not ours.</summary>
    public static TraceDatMetadata? Parse(ReadOnlySpan<byte> option)
    {
        var nul = option.IndexOf((byte)0);
        var text = Encoding.UTF8.GetString(nul < 0 ? option : option[..nul]);
        var lines = text.Split('\n');
        if (lines.Length == 0 || lines[0] != Magic) return null;
        string? id = null, name = null, tenant = null, instance = null, arch = null, kernel = null, paths = null;
        DateTimeOffset? saved = null;
        long lost = 0;
        var tgids = new Dictionary<int, int>();
        for (var i = 1; i < lines.Length; i++)
        {
            var line = lines[i];
            if (line == "tgids")
            {
                for (var j = i + 1; j < lines.Length && tgids.Count < MaxTgids; j++)
                {
                    var pair = lines[j].Split(' ');
                    if (pair.Length == 2 && int.TryParse(pair[0], NumberStyles.None, CultureInfo.InvariantCulture, out var tid)
                        && int.TryParse(pair[1], NumberStyles.None, CultureInfo.InvariantCulture, out var tgid) && tgid > 0)
                        tgids[tid] = tgid;
                }
                break;
            }
            var space = line.IndexOf(' ');
            if (space < 0) continue;
            var value = line[(space + 1)..];
            switch (line[..space])
            {
                case "container": id = value; break;
                case "name": name = value; break;
                case "tenant": tenant = value; break;
                case "instance": instance = value; break;
                case "arch": arch = value; break;
                case "kernel": kernel = value; break;
                case "paths": paths = value; break;
                case "saved":
                    if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)) saved = at;
                    break;
                case "lost-events":
                    _ = long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out lost);
                    break;
            }
        }
        return id is null ? null : new TraceDatMetadata
        {
            ContainerId = id, Name = name, Tenant = tenant, Instance = instance, Arch = arch, KernelRelease = kernel, SavedAt = saved,
            LostEvents = lost, Paths = paths, Tgids = tgids,
        };
    }

    /// <summary>A value as a line of the option holds it.</summary>
    internal static string OneLine(string value) => value.Replace('\n', ' ').Replace('\0', ' ');
}
