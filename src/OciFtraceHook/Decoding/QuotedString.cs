using System.Globalization;
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
        foreach (var c in text)
        {
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
                    else AppendOctal(sb, c);
                    break;
            }
        }
        sb.Append('"');
        if (cut) sb.Append("...");
    }

    private static void AppendOctal(StringBuilder sb, char c)
    {
        // Non-ASCII characters came from bytes read as UTF-8: show those bytes.
        Span<byte> bytes = stackalloc byte[4];
        var n = c < 0x80 ? 1 : Encoding.UTF8.GetBytes([c], bytes);
        if (c < 0x80) bytes[0] = (byte)c;
        for (var i = 0; i < n; i++) sb.Append('\\').Append(Convert.ToString(bytes[i], 8).ToString(CultureInfo.InvariantCulture));
    }
}
