using Microsoft.Extensions.Logging;

namespace OciFtraceHook.Logging;

/// <summary>Hands out the stderr provider's loggers. LoggerFactory would do the same, but applying
/// its filter rules reads each provider's alias attribute through reflection, which under native AOT
/// wakes the reflection metadata at every start of the hook (measured with perf); the hook has one
/// provider and no rules, so it needs none of that.</summary>
internal sealed class HookLoggerFactory(StderrLoggerProvider provider) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => provider.CreateLogger(categoryName);

    public void AddProvider(ILoggerProvider other) => throw new NotSupportedException("the hook logs to stderr only");

    /// <summary>Flushes the buffered lines.</summary>
    public void Dispose() => provider.Dispose();
}
