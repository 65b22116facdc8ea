using System.Buffers;
using System.Text;
using System.Text.Json;
using OciFtraceHook.Decoding;
using OciFtraceHook.Logging;

namespace OciFtraceHook.Export;

/// <summary>The Trace Event Format that Perfetto UI and chrome://tracing open: each call a complete
/// event ("ph":"X") with ts, dur, pid, tid, name and its arguments and result; failed calls in the
/// category "syscall,error"; trace_marker lines as instant events on their thread; lost events as
/// global instant events; thread and process names from the trace's command names. Streamed: each
/// event is written when its call ends, so memory stays flat however long the trace.</summary>
internal sealed class ChromeTraceSink : IRecordSink
{
    private readonly CallFormatter _formatter;
    private readonly TextWriter _output;
    private readonly ArrayBufferWriter<byte> _buffer = new(4096); // reused: writing a record allocates nothing lasting
    private readonly Utf8JsonWriter _json;
    private readonly Dictionary<int, string> _threadNames = new();
    private readonly HashSet<int> _processes = new();
    private readonly StringBuilder _text = new(128);
    private bool _first = true;

    public ChromeTraceSink(CallFormatter formatter, TextWriter output)
    {
        _formatter = formatter;
        _output = output;
        _json = new Utf8JsonWriter(_buffer);
        _output.Write("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
    }

    public bool SplitsInterleaved => false;

    public void Write(SyscallRecord r)
    {
        if (r.Kind == RecordKind.LostEvents)
        {
            LostMark($"LOST {r.Lost} EVENTS (CPU {r.Cpu})");
            return;
        }
        NameThread(r);
        if (r.Kind == RecordKind.Marker)
        {
            Event(json =>
            {
                json.WriteString("name", Printable.Line(r.Text, Printable.MarkerCap));
                json.WriteString("cat", "trace_marker");
                json.WriteString("ph", "i");
                json.WriteString("s", "t");
                Where(json, r, r.StartNs);
            });
            return;
        }
        var complete = r.HasArgs && r.HasReturn;
        Event(json =>
        {
            json.WriteString("name", _formatter.NameOf(r.Event));
            json.WriteString("cat", r.IsError ? "syscall,error" : "syscall");
            json.WriteString("ph", complete ? "X" : "i");
            if (!complete) json.WriteString("s", "t");
            Where(json, r, r.HasArgs ? r.StartNs : r.EndNs);
            if (complete) json.WriteNumber("dur", Math.Round((r.EndNs - r.StartNs) / 1e3, 3));
            json.WriteStartObject("args");
            if (r.HasArgs)
            {
                _text.Clear();
                _formatter.Arguments.AppendArgs(_text, r.Event, r.Args, r.ArgCount, r.Strings, r.CutStrings);
                json.WriteString("args", _text.ToString());
            }
            if (r.HasReturn)
            {
                _text.Clear();
                _formatter.Arguments.AppendResult(_text, r.Event, r.Return);
                json.WriteString("result", _text.ToString());
            }
            else
            {
                json.WriteString("result", r.Kind == RecordKind.NoReturn ? "? (never returned)" : "? (exit lost)");
            }
            if (!r.HasArgs) json.WriteString("note", "its enter was lost or came before the trace began");
            json.WriteEndObject();
        });
    }

    public void Finish(long lostFromHeader)
    {
        if (lostFromHeader > 0) LostMark($"{lostFromHeader} events lost when the buffer was full: the trace is partial");
        _output.Write("\n]}\n");
    }

    /// <summary>A global instant event: lost events concern the whole trace, not one thread.</summary>
    private void LostMark(string name) =>
        Event(json =>
        {
            json.WriteString("name", name);
            json.WriteString("cat", "lost");
            json.WriteString("ph", "i");
            json.WriteString("s", "g");
            json.WriteNumber("ts", 0);
            json.WriteNumber("pid", 0);
            json.WriteNumber("tid", 0);
        });

    private static void Where(Utf8JsonWriter json, SyscallRecord r, long ns)
    {
        json.WriteNumber("ts", Math.Round(ns / 1e3, 3));
        json.WriteNumber("pid", r.Tgid);
        json.WriteNumber("tid", r.Tid);
    }

    /// <summary>Metadata events naming a thread (and its process) when first seen or after an exec.</summary>
    private void NameThread(SyscallRecord r)
    {
        if (r.Comm.Length == 0 || (_threadNames.TryGetValue(r.Tid, out var known) && known == r.Comm)) return;
        _threadNames[r.Tid] = r.Comm;
        var comm = Printable.Line(r.Comm, Printable.NameCap);
        Metadata("thread_name", r.Tgid, r.Tid, $"{comm} ({r.Tid})");
        if (r.Tid == r.Tgid || _processes.Add(r.Tgid)) Metadata("process_name", r.Tgid, r.Tid, $"{comm} ({r.Tgid})");
        _processes.Add(r.Tgid);
    }

    private void Metadata(string kind, int pid, int tid, string name) =>
        Event(json =>
        {
            json.WriteString("name", kind);
            json.WriteString("ph", "M");
            json.WriteNumber("pid", pid);
            json.WriteNumber("tid", tid);
            json.WriteStartObject("args");
            json.WriteString("name", name);
            json.WriteEndObject();
        });

    private void Event(Action<Utf8JsonWriter> write)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        write(_json);
        _json.WriteEndObject();
        _json.Flush();
        _output.Write(_first ? "\n" : ",\n");
        _first = false;
        _output.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
    }
}
