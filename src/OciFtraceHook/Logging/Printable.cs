using System.Globalization;
using System.Text;

namespace OciFtraceHook.Logging;

/// <summary>Makes text from a container safe to print on a terminal, the way strace escapes strings:
/// ids, names, annotations and trace_marker text may carry escape sequences (<c>\033]0;...\007</c>
/// retitles a terminal, <c>\033[2J</c> clears it) meant for whoever reads the trace or the logs.
/// Control characters become <c>\t \n \v \f \r</c> or strace's octal (<c>\33</c>, <c>\7</c>,
/// <c>\1</c>, DEL <c>\177</c>, three digits when an octal digit follows); a backslash becomes
/// <c>\\</c> so every escape reads one way; bytes that are not UTF-8 become <c>\xNN</c>; Unicode
/// controls, format characters (bidirectional overrides, zero-width marks) and line separators
/// become their UTF-8 bytes in octal. A length cap keeps one line one line.</summary>
internal static class Printable
{
    /// <summary>Longest text kept from one value, in characters of input; the rest is "...".</summary>
    public const int DefaultCap = 1024;

    private const char BadByteBase = '\uF700';

    /// <summary>Decodes UTF-8 keeping each invalid byte as U+F700+byte, a private-use character
    /// (.NET refuses lone surrogates), so that <see cref="Append"/> can show it as <c>\xNN</c>. A real
    /// U+F780..U+F7FF in the text shows the same way: private-use characters are escaped anyway.</summary>
    public static Encoding Utf8KeepingBadBytes { get; } = CreateUtf8KeepingBadBytes();

    /// <summary>Marker text: the kernel takes at most 4 KiB per write, so this keeps all of it.</summary>
    public const int MarkerCap = 4096;

    /// <summary>A syscall, event or command name.</summary>
    public const int NameCap = 128;

    /// <summary>A whole log or error line.</summary>
    public const int LineCap = 4096;

    public static string Line(string? text, int cap = DefaultCap)
    {
        if (text is null) return "";
        return text.Length <= cap && !NeedsEscaping(text) ? text : Line(text.AsSpan(), cap);
    }

    public static string Line(ReadOnlySpan<char> text, int cap = DefaultCap)
    {
        if (text.Length <= cap && !NeedsEscaping(text)) return text.ToString();
        var sb = new StringBuilder(Math.Min(text.Length, cap) + 16);
        Append(sb, text, cap);
        return sb.ToString();
    }

    /// <summary>True when the text has nothing to escape (the common case, checked fast).</summary>
    public static bool NeedsEscaping(ReadOnlySpan<char> text)
    {
        var i = text.IndexOfAnyExceptInRange(' ', '~');
        if (i < 0) return text.Contains('\\');
        if (text.Contains('\\')) return true;
        for (; i < text.Length; i++)
        {
            if (text[i] is >= ' ' and <= '~') continue;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (!IsSafe(text[i])) return true;
        }
        return false;
    }

    public static void Append(StringBuilder sb, ReadOnlySpan<char> text, int cap = DefaultCap)
    {
        var end = Math.Min(text.Length, cap);
        if (end < text.Length && end > 0 && char.IsHighSurrogate(text[end - 1])) end--; // never split a pair
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < end; i++)
        {
            var c = text[i];
            if (c is >= ' ' and <= '~' and not '\\')
            {
                sb.Append(c);
                continue;
            }
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (c)
            {
                case '\\': sb.Append(@"\\"); break;
                case '\t': sb.Append(@"\t"); break;
                case '\n': sb.Append(@"\n"); break;
                case '\v': sb.Append(@"\v"); break;
                case '\f': sb.Append(@"\f"); break;
                case '\r': sb.Append(@"\r"); break;
                case >= '\uF780' and <= '\uF7FF': // BadByteBase + 0x80 .. + 0xFF
                    sb.Append(@"\x").Append(((int)c - BadByteBase).ToString("x2", CultureInfo.InvariantCulture));
                    break;
                case < '\u0080': AppendOctal(sb, c, next); break;
                default:
                    if (IsSafe(c))
                    {
                        sb.Append(c);
                    }
                    else if (char.IsSurrogate(c))
                    {
                        sb.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        var n = Encoding.UTF8.GetBytes([c], bytes);
                        for (var b = 0; b < n; b++) AppendOctal(sb, bytes[b], b + 1 < n ? '\\' : next);
                    }
                    break;
            }
        }
        if (end < text.Length) sb.Append("...");
    }

    /// <summary>strace's octal: as few digits as needed, three when an octal digit follows.</summary>
    internal static void AppendOctal(StringBuilder sb, int value, char next)
    {
        sb.Append('\\');
        var digits = Convert.ToString(value, 8);
        if (next is >= '0' and <= '7') digits = digits.PadLeft(3, '0');
        sb.Append(digits);
    }

    /// <summary>A character outside printable ASCII that a terminal shows as itself.</summary>
    private static bool IsSafe(char c) => !char.IsSurrogate(c) && char.GetUnicodeCategory(c) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned => false,
        _ => true,
    };

    /// <summary>The byte a character of <see cref="Utf8KeepingBadBytes"/> stands for, where the
    /// input held a byte that is no UTF-8 (0x80-0xFF).</summary>
    public static bool TryGetBadByte(char c, out byte value)
    {
        value = (byte)(c - BadByteBase);
        return c is >= '\uF780' and <= '\uF7FF';
    }

    private static Encoding CreateUtf8KeepingBadBytes()
    {
        var encoding = (Encoding)new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).Clone();
        encoding.DecoderFallback = new KeepBadBytesFallback();
        return encoding;
    }

    private sealed class KeepBadBytesFallback : DecoderFallback
    {
        public override int MaxCharCount => 4;

        public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer();

        private sealed class Buffer : DecoderFallbackBuffer
        {
            private char[] _chars = new char[4];
            private int _count;
            private int _next;

            public override int Remaining => _count - _next;

            public override bool Fallback(byte[] bytesUnknown, int index)
            {
                _count = 0;
                _next = 0;
                if (_chars.Length < bytesUnknown.Length) _chars = new char[bytesUnknown.Length];
                foreach (var b in bytesUnknown) _chars[_count++] = (char)(BadByteBase + b);
                return true;
            }

            public override char GetNextChar() => _next < _count ? _chars[_next++] : '\0';

            public override bool MovePrevious()
            {
                if (_next == 0) return false;
                _next--;
                return true;
            }

            public override void Reset()
            {
                _count = 0;
                _next = 0;
            }
        }
    }
}
