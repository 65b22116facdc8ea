using System.Globalization;

namespace OciFtraceHook.Decoding;

/// <summary>How the kernel prints syscall enter arguments. The exit line ("sys_openat -> 0x3") is
/// the same in all of them.</summary>
internal enum TraceTextFormat : byte
{
    /// <summary>Not known yet: decided by the kernel release in a saved trace's header, else by the
    /// first argument that reads differently in the formats below.</summary>
    Unknown,
    /// <summary>Before 6.18: every value in hex without "0x" (<c>sys_close(fd: b)</c>).</summary>
    BareHex,
    /// <summary>6.18: values below 10 in decimal, others "0x..." (<c>sys_close(fd: 0xb)</c>).</summary>
    PrefixedHex,
    /// <summary>6.19 and later: as 6.18, plus the user string after a path pointer
    /// (<c>filename: 0x7ffd1000 "/etc/passwd"</c>), bytes of some buffers
    /// (<c>buf: 0x55a0 (68:69:0a) "hi."</c>), and openat printed on its own
    /// (<c>sys_openat(dfd: 4294967196, filename: 140733 "/x", flags: O_WRONLY|O_CREAT, mode: 0666)</c>).</summary>
    UserStrings,
}

/// <summary>Which of the formats a trace was printed in: by the kernel release its header names,
/// else by the first argument that reads differently.</summary>
internal static class TraceTextFormatDetection
{
    /// <summary>The format a kernel release ("6.1.0-56-amd64", "6.18.1") prints; Unknown when the
    /// release cannot be read.</summary>
    public static TraceTextFormat FromKernelRelease(ReadOnlySpan<char> release)
    {
        release = release.Trim();
        var dot = release.IndexOf('.');
        if (dot <= 0 || !int.TryParse(release[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var major)) return TraceTextFormat.Unknown;
        var rest = release[(dot + 1)..];
        var end = 0;
        while (end < rest.Length && char.IsAsciiDigit(rest[end])) end++;
        if (end == 0 || !int.TryParse(rest[..end], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)) return TraceTextFormat.Unknown;
        return (major, minor) switch
        {
            _ when major < 6 || (major == 6 && minor < 18) => TraceTextFormat.BareHex,
            (6, 18) => TraceTextFormat.PrefixedHex,
            _ => TraceTextFormat.UserStrings,
        };
    }

    /// <summary>Tells the format from one enter line's arguments, or Unknown when every value in it
    /// reads the same in all formats (single decimal digits: 0-9 are the same in hex). A quoted
    /// string or a flag name after a value is 6.19+; a "0x" value is 6.18; a bare value of more than
    /// one digit, or with a hex letter, is before 6.18 (6.18 prints those with "0x").</summary>
    public static TraceTextFormat FromArguments(ReadOnlySpan<char> args)
    {
        var bare = false;
        var prefixed = false;
        while (!args.IsEmpty)
        {
            var colon = args.IndexOf(": ");
            if (colon < 0) break;
            args = args[(colon + 2)..];
            var end = 0;
            while (end < args.Length && args[end] is not (',' or ' ' or ')')) end++;
            var value = args[..end];
            if (value.StartsWith("O_")) return TraceTextFormat.UserStrings;
            if (value.StartsWith("0x")) prefixed = true;
            else if (value.Length > 1 || (value.Length == 1 && !char.IsAsciiDigit(value[0]))) bare = true;
            args = args[end..];
            if (args.StartsWith(" \"") || args.StartsWith(" (")) return TraceTextFormat.UserStrings;
            var comma = args.IndexOf(", ");
            if (comma < 0) break;
            args = args[(comma + 2)..];
        }
        if (prefixed) return TraceTextFormat.PrefixedHex;
        return bare ? TraceTextFormat.BareHex : TraceTextFormat.Unknown;
    }
}
