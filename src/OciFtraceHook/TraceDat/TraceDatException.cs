namespace OciFtraceHook.TraceDat;

/// <summary>A trace.dat that cannot be read: truncated, corrupt, or of a kind this reader does not
/// take. The message is one line that says where and why.</summary>
internal sealed class TraceDatException(string message) : HookException(message);
