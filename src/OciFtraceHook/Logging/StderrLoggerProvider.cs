using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace OciFtraceHook.Logging;

/// <summary>A small logger that writes "oci-ftrace-hook: level: message" lines to stderr, which
/// runtimes show when a hook fails. Cheaper to start than the console logger; lines are buffered
/// and written when the factory is disposed or the buffer fills.</summary>
internal sealed class StderrLoggerProvider(LogLevel minimum, TextWriter? output = null) : ILoggerProvider
{
    private readonly TextWriter _output = output ?? new StreamWriter(Console.OpenStandardError()) { AutoFlush = false };
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new StderrLogger(this);

    public void Dispose()
    {
        lock (_lock) _output.Flush();
    }

    private void Write(LogLevel level, string message, Exception? exception)
    {
        lock (_lock)
        {
            _output.Write("oci-ftrace-hook: ");
            _output.Write(LevelName(level));
            _output.Write(": ");
            _output.WriteLine(message);
            if (exception is not null && level >= LogLevel.Error && minimum <= LogLevel.Debug)
                _output.WriteLine(Printable.Line(exception.ToString(), 4 * Printable.LineCap));
            if (level >= LogLevel.Warning) _output.Flush();
        }
    }

    private static string LevelName(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warning",
        LogLevel.Error => "error",
        _ => "critical",
    };

    private sealed class StderrLogger(StderrLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) provider.Write(logLevel, Render(state, exception, formatter), exception);
        }
    }

    private LogLevel Minimum => minimum;

    /// <summary>Messages repeat ids, names and annotation values, which the container's owner chose:
    /// each value is escaped and capped (<see cref="Printable"/>), so one message is one line that
    /// cannot drive a terminal, and a 4 KiB id does not push the reason out of sight. [LoggerMessage]
    /// states carry their template and values; anything else is escaped whole.</summary>
    internal static string Render<TState>(TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (state is not IReadOnlyList<KeyValuePair<string, object?>> values)
            return Printable.Line(formatter(state, exception), Printable.LineCap);
        string? template = null;
        foreach (var (key, value) in values)
            if (key == "{OriginalFormat}") template = value as string;
        if (template is null) return Printable.Line(formatter(state, exception), Printable.LineCap);

        var sb = new StringBuilder(template.Length + 64);
        var at = 0;
        while (at < template.Length)
        {
            var open = template.IndexOf('{', at);
            var close = open < 0 ? -1 : template.IndexOf('}', open);
            if (close < 0)
            {
                Printable.Append(sb, template.AsSpan(at), Printable.LineCap);
                break;
            }
            Printable.Append(sb, template.AsSpan(at, open - at), Printable.LineCap);
            var name = template.AsSpan(open + 1, close - open - 1);
            object? found = null;
            foreach (var (key, value) in values)
            {
                if (!name.Equals(key, StringComparison.OrdinalIgnoreCase)) continue;
                found = value;
                break;
            }
            Printable.Append(sb, Convert.ToString(found, CultureInfo.InvariantCulture) ?? "(null)");
            at = close + 1;
        }
        return sb.ToString();
    }
}
