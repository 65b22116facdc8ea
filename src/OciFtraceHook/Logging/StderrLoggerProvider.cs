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
            // Messages repeat ids, names and annotation values, which the container's owner chose:
            // escaped and capped, one message is one line that cannot drive a terminal.
            _output.WriteLine(Printable.Line(message, Printable.LineCap));
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
            if (IsEnabled(logLevel)) provider.Write(logLevel, formatter(state, exception), exception);
        }
    }

    private LogLevel Minimum => minimum;
}
