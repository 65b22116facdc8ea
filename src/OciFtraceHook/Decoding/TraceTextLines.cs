namespace OciFtraceHook.Decoding;

/// <summary>Cuts ftrace's text into lines at '\n' only. TextReader.ReadLine also ends a line at
/// '\r', and a container can put '\r' into its trace_marker text: the rest of its line would then
/// be read as a line of its own, a fake event or a fake "# oci-ftrace-hook:" header.</summary>
internal static class TraceTextLines
{
    public static void ForEach(TextReader input, LineSplitter.LineHandler onLine)
    {
        var buffer = new char[1 << 16];
        var length = 0;
        int read;
        while ((read = input.Read(buffer, length, buffer.Length - length)) > 0)
        {
            length += read;
            var start = 0;
            int newline;
            while ((newline = buffer.AsSpan(start, length - start).IndexOf('\n')) >= 0)
            {
                onLine(buffer.AsSpan(start, newline));
                start += newline + 1;
            }
            length -= start;
            if (start > 0) Array.Copy(buffer, start, buffer, 0, length);
            else if (length == buffer.Length) Array.Resize(ref buffer, buffer.Length * 2); // one very long line
        }
        if (length > 0) onLine(buffer.AsSpan(0, length));
    }
}
