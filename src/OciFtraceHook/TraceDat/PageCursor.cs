using System.Buffers.Binary;

namespace OciFtraceHook.TraceDat;

/// <summary>Walks the events of one ring-buffer page, after libtraceevent's kbuffer: each event
/// starts with a 32-bit word of a 5-bit type/length and a 27-bit time delta; types 29-31 are
/// padding, a time extend and an absolute time stamp, handled here and never shown to the caller;
/// type 0 keeps its length in the next word. Every read is checked against the page's commit
/// size, which is itself checked against the page: a corrupt page ends with <see cref="Corrupt"/>
/// set, never with a read past it. One cursor is reused from page to page.</summary>
internal sealed class PageCursor(PageLayout layout)
{
    private const uint MissingEvents = 1u << 31;
    private const uint MissingStored = 1u << 30;
    private const uint CommitMask = (1u << 27) - 1;
    private const int TypePadding = 29;
    private const int TypeTimeExtend = 30;
    private const int TypeTimeStamp = 31;
    private const int TimeShift = 27;
    private const ulong TimeStampMsb = 0xf8UL << 56;

    private byte[] _buffer = [];
    private int _next;
    private int _end;

    public PageLayout Layout { get; } = layout;

    /// <summary>The time stamp of the event last returned (ns of the instance's clock).</summary>
    public ulong Timestamp { get; private set; }

    /// <summary>Events lost just before this page: 0, a count, or -1 when the kernel had no room
    /// to store how many.</summary>
    public long Lost { get; private set; }

    /// <summary>Set when the page ended at a length or type that does not fit.</summary>
    public bool Corrupt { get; private set; }

    /// <summary>Starts on the page at <paramref name="offset"/> of <paramref name="buffer"/>
    /// (whole pages only); false, with <see cref="Corrupt"/> set, when its header does not fit.</summary>
    public bool Load(byte[] buffer, int offset)
    {
        _buffer = buffer;
        _next = _end = 0;
        Lost = 0;
        Timestamp = 0;
        Corrupt = true;
        if (offset < 0 || offset > buffer.Length - Layout.PageSize) return false;
        var page = buffer.AsSpan(offset, Layout.PageSize);
        Timestamp = BinaryPrimitives.ReadUInt64LittleEndian(page);
        var flags = (uint)(Layout.CommitSize == 8
            ? BinaryPrimitives.ReadUInt64LittleEndian(page[Layout.CommitOffset..])
            : BinaryPrimitives.ReadUInt32LittleEndian(page[Layout.CommitOffset..]));
        var size = (int)(flags & CommitMask);
        var room = Layout.PageSize - Layout.DataOffset;
        if (size > room) return false;
        Corrupt = false;
        _next = offset + Layout.DataOffset;
        _end = _next + size;
        if ((flags & MissingEvents) != 0)
        {
            Lost = -1;
            if ((flags & MissingStored) != 0 && size + Layout.CommitSize <= room)
            {
                var stored = buffer.AsSpan(_end, Layout.CommitSize);
                Lost = Layout.CommitSize == 8 ? (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(stored), long.MaxValue)
                    : BinaryPrimitives.ReadUInt32LittleEndian(stored);
            }
        }
        return true;
    }

    /// <summary>The next event's payload (it starts with the event's 16-bit type id) as an offset
    /// and length in the buffer, or false at the end of the page or at corruption.</summary>
    public bool Next(out int payload, out int length)
    {
        payload = length = 0;
        var data = _buffer;
        while (_next < _end)
        {
            var left = _end - _next;
            if (left < 4) return Fail();
            var word = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(_next, 4));
            var type = (int)(word & 0x1f);
            ulong delta = word >> 5;
            if (type is > 0 and < TypePadding)
            {
                length = type * 4;
                if (length > left - 4) return Fail();
                Timestamp += delta;
                payload = _next + 4;
                _next += 4 + length;
                return true;
            }
            if (left < 8)
            {
                if (type == TypePadding) break; // padding to the end of the page
                return Fail();
            }
            var array = BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(_next + 4, 4));
            switch (type)
            {
                case 0:
                    if (array < 4 || array - 4 > (uint)(left - 8)) return Fail();
                    Timestamp += delta;
                    payload = _next + 8;
                    length = (int)(array - 4);
                    _next += 8 + (int)Math.Min((array - 4 + 3) & ~3u, (uint)(left - 8));
                    return true;
                case TypePadding:
                    // A discarded event of the length in its array word, or the rest of the page.
                    Timestamp += delta;
                    if (array > (uint)(left - 4)) _next = _end;
                    else _next += 4 + (int)array;
                    continue;
                default:
                    var extend = ((ulong)array << TimeShift) + delta;
                    Timestamp = type == TypeTimeStamp ? extend | (Timestamp & TimeStampMsb) : Timestamp + extend;
                    _next += 8;
                    continue;
            }
        }
        _next = _end;
        return false;
    }

    private bool Fail()
    {
        Corrupt = true;
        _next = _end;
        return false;
    }
}
