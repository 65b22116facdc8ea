using System.Text;

namespace OciFtraceHook.Decoding;

/// <summary>A string from the trace (a path the container passed) shown as strace shows one:
/// in double quotes, with \" \\ \t \n \r \v \f and every other control or non-ASCII character as an
/// octal escape, so nothing the container chose can reach the reader's terminal as a control
/// sequence. A probe's "(fault)" (the page was not resident) is shown as it is, unquoted.</summary>
internal static class QuotedString
{
    /// <summary>What a probe's string fetch prints when it could not read the page.</summary>
    public const string Fault = "(fault)";

    public static void Append(StringBuilder sb, string text, bool cut = false)
    {
        if (text == Fault)
        {
            sb.Append(Fault);
            return;
        }
        sb.Append('"');
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var next = i + 1 < text.Length ? text[i + 1] : '\0';
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\t': sb.Append("\\t"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\v': sb.Append("\\v"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c is >= ' ' and <= '~') sb.Append(c);
                    else AppendOctal(sb, c, next);
                    break;
            }
        }
        sb.Append('"');
        if (cut) sb.Append("...");
    }

    /// <summary>The bytes the character came from, in octal as strace writes them: as few digits
    /// as needed, three when an octal digit follows. A byte that was no UTF-8 is shown as itself.</summary>
    private static void AppendOctal(StringBuilder sb, char c, char next)
    {
        Span<byte> bytes = stackalloc byte[4];
        int n;
        if (c < 0x80) (bytes[0], n) = ((byte)c, 1);
        else if (Logging.Printable.TryGetBadByte(c, out var bad)) (bytes[0], n) = (bad, 1);
        else n = Encoding.UTF8.GetBytes([c], bytes);
        for (var i = 0; i < n; i++) Logging.Printable.AppendOctal(sb, bytes[i], i + 1 < n ? '\\' : next);
    }
}
