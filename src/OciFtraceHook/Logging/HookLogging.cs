using Microsoft.Extensions.Logging;

namespace OciFtraceHook.Logging;

/// <summary>The one way the hook and its tools make loggers: the small stderr provider, its level
/// from OCI_FTRACE_HOOK_LOG (debug, warning, error; default information). Dispose the factory
/// before exit, or buffered lines are lost.</summary>
internal static class HookLogging
{
    public static ILoggerFactory CreateFactory(bool quiet = false)
    {
        var level = quiet ? LogLevel.None : Environment.GetEnvironmentVariable("OCI_FTRACE_HOOK_LOG") switch
        {
            "debug" => LogLevel.Debug,
            "warning" => LogLevel.Warning,
            "error" => LogLevel.Error,
            _ => LogLevel.Information,
        };
        return new HookLoggerFactory(new StderrLoggerProvider(level));
    }
}
