namespace OciFtraceHook;

/// <summary>A failure the user can act on; its message is printed as the hook's one error line.</summary>
internal class HookException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The command line was wrong (exit code 2); its message starts with the verb ("show: ...").</summary>
internal sealed class UsageException(string message) : HookException(message);
