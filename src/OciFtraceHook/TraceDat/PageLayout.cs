using System.Globalization;

namespace OciFtraceHook.TraceDat;

/// <summary>Where a ring-buffer page keeps its time stamp, commit word and events, as the kernel's
/// events/header_page describes it ("field: local_t commit; offset:8; size:8; signed:1;"). The
/// page size follows from it too: the data field runs to the end of the page (a sub-buffer, on
/// kernels that let an instance choose bigger ones).</summary>
internal readonly record struct PageLayout(int CommitOffset, int CommitSize, int DataOffset, int PageSize)
{
    /// <summary>The largest page accepted: kernels allow sub-buffers up to 2 MiB.</summary>
    public const int MaxPageSize = 1 << 21;

    /// <summary>A 64-bit kernel with 4 KiB pages.</summary>
    public static PageLayout Default { get; } = new(8, 8, 16, 4096);

    /// <summary>The layout a header_page text gives, or null when it lacks a field or makes no sense.</summary>
    public static PageLayout? Parse(string headerPage)
    {
        int? commitOffset = null, commitSize = null, dataOffset = null, dataSize = null, stampSize = null;
        foreach (var raw in headerPage.Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith("field:", StringComparison.Ordinal)) continue;
            var semi = line.IndexOf(';');
            if (semi < 0) continue;
            var declaration = line[6..semi].Trim();
            var name = declaration[(declaration.LastIndexOf(' ') + 1)..];
            var offset = Number(line, "offset:");
            var size = Number(line, "size:");
            if (offset is null || size is null) continue;
            switch (name)
            {
                case "timestamp":
                    stampSize = size;
                    break;
                case "commit":
                    (commitOffset, commitSize) = (offset, size);
                    break;
                case "data":
                    (dataOffset, dataSize) = (offset, size);
                    break;
            }
        }
        if (stampSize != 8 || commitOffset is not { } co || commitSize is not (4 or 8) || dataOffset is not { } d || dataSize is not { } ds)
            return null;
        var pageSize = (long)d + ds;
        if (co < 8 || co + commitSize > d || ds <= 0 || pageSize > MaxPageSize) return null;
        return new PageLayout(co, commitSize.Value, d, (int)pageSize);
    }

    private static int? Number(string line, string key)
    {
        var at = line.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = line[(at + key.Length)..];
        var end = rest.IndexOf(';');
        return int.TryParse(end < 0 ? rest : rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }
}
