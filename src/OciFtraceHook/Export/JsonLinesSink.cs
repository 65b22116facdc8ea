using System.Buffers;
using System.Text;
using System.Text.Json;
using OciFtraceHook.Decoding;
using OciFtraceHook.Logging;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Export;

/// <summary>One JSON object per line and per call (or marker, or lost-events note), for jq:
/// <c>{"ts":1560.992881,"pid":17924,"tid":17924,"comm":"sh","kind":"call","syscall":"openat",
/// "args":["AT_FDCWD","0x24d70fa8","O_RDONLY"],"result":-2,"shown":"-1 ENOENT (No such file or directory)","error":"ENOENT",
/// "message":"No such file or directory","duration_us":4.1}</c>. Written as it goes: memory stays flat.</summary>
internal sealed class JsonLinesSink(CallFormatter formatter, TextWriter output) : IRecordSink
{
    private readonly ArrayBufferWriter<byte> _buffer = new(4096); // reused: writing a record allocates nothing lasting
    private Utf8JsonWriter? _writer;
    private readonly StringBuilder _text = new(64);

    public bool SplitsInterleaved => false;

    public void Write(SyscallRecord r)
    {
        _buffer.ResetWrittenCount();
        var json = _writer ??= new Utf8JsonWriter(_buffer);
        json.Reset(_buffer);
        {
            json.WriteStartObject();
            if (r.Kind == RecordKind.LostEvents)
            {
                json.WriteString("kind", "lost");
                json.WriteNumber("cpu", r.Cpu);
                json.WriteNumber("lost", r.Lost);
            }
            else
            {
                json.WriteNumber("ts", Math.Round(r.StartNs / 1e9, 6));
                json.WriteNumber("pid", r.Tgid);
                json.WriteNumber("tid", r.Tid);
                // Written by the container: strace's escapes first, so that even `jq -r` prints no
                // control byte; the JSON writer then escapes the backslashes.
                json.WriteString("comm", Printable.Line(r.Comm, Printable.NameCap));
                if (r.Kind == RecordKind.Marker)
                {
                    json.WriteString("kind", "marker");
                    json.WriteString("text", Printable.Line(r.Text, Printable.MarkerCap));
                }
                else
                {
                    WriteCall(json, r);
                }
            }
            json.WriteEndObject();
            json.Flush();
        }
        output.WriteLine(Encoding.UTF8.GetString(_buffer.WrittenSpan));
    }

    private void WriteCall(Utf8JsonWriter json, SyscallRecord r)
    {
        json.WriteString("kind", r.Kind switch
        {
            RecordKind.NoReturn => "noreturn",
            RecordKind.Resumed => "resumed", // its enter was lost or came before the trace began
            RecordKind.Unfinished => "unfinished", // its exit was lost
            _ => "call",
        });
        json.WriteString("syscall", formatter.NameOf(r.Event));
        if (r.HasArgs)
        {
            json.WriteStartArray("args");
            foreach (var arg in formatter.Arguments.ArgList(r.Event, r.Args, r.ArgCount, r.Strings, r.CutStrings)) json.WriteStringValue(arg);
            json.WriteEndArray();
        }
        if (r.HasReturn)
        {
            json.WriteNumber("result", r.Return);
            _text.Clear();
            formatter.Arguments.AppendResult(_text, r.Event, r.Return);
            json.WriteString("shown", _text.ToString());
            if (r.IsError)
            {
                var errno = (int)-r.Return;
                if (Errno.KernelInternal(errno) is { } restart)
                {
                    json.WriteString("error", restart.Name);
                    json.WriteString("message", restart.Message);
                }
                else
                {
                    json.WriteString("error", Errno.Name(errno));
                    json.WriteString("message", Errno.Message(errno));
                }
            }
        }
        if (r.HasArgs && r.HasReturn) json.WriteNumber("duration_us", Math.Round((r.EndNs - r.StartNs) / 1e3, 3));
    }

    public void Finish(long lostFromHeader)
    {
        if (lostFromHeader > 0) output.WriteLine($"{{\"kind\":\"lost\",\"lost\":{lostFromHeader},\"from\":\"header\"}}");
    }
}
