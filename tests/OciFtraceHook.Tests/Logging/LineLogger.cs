using Microsoft.Extensions.Logging;

namespace OciFtraceHook.Tests.Logging;

/// <summary>Keeps each formatted log line, for tests that check what the hook said.</summary>
internal sealed class LineLogger(List<string> lines) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => true;
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        lines.Add(formatter(state, exception));
}
