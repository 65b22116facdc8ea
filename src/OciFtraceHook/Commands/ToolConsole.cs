namespace OciFtraceHook.Commands;

/// <summary>Where a tool reads and writes: the process's streams, or a test's.</summary>
internal sealed record ToolConsole(TextWriter Output, TextWriter Error, Func<Stream> OpenInput);
