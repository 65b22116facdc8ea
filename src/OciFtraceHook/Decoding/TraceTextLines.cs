namespace OciFtraceHook.Decoding;

/// <summary>Cuts ftrace's text into lines at '\n' only. TextReader.ReadLine also ends a line at
/// '\r', and a container can put '\r' into its trace_marker text: the rest of its line would then
/// be read as a line of its own, a fake event or a fake "# oci-ftrace-hook:" header. A line longer
/// than <see cref="MaxLine"/> (the kernel prints none: a marker holds at most 4 KiB) is skipped to
/// its end and counted, so input without newlines cannot grow memory without bound.</summary>
internal static class TraceTextLines
{
    public const int MaxLine = 1 << 16;

    /// <returns>How many lines were longer than <see cref="MaxLine"/> and skipped.</returns>
    public static long ForEach(TextReader input, LineSplitter.LineHandler onLine)
    {
        var buffer = new char[MaxLine];
        var length = 0;
        var skipping = false;
        long skipped = 0;
        int read;
        while ((read = input.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            var start = 0;
            int newline;
            while ((newline = buffer.AsSpan(start, length - start).IndexOf('\n')) >= 0)
            {
                if (skipping) skipping = false;
                else onLine(buffer.AsSpan(start, newline));
                start += newline + 1;
            }
            length -= start;
            if (start > 0) Array.Copy(buffer, start, buffer, 0, length);
            else if (length == buffer.Length)
            {
                // One line fills the buffer: it is dropped up to its newline.
                if (!skipping) skipped++;
                skipping = true;
                length = 0;
            }
        }
        if (length > 0 && !skipping) onLine(buffer.AsSpan(0, length));
        return skipped;
    }
}
