namespace OciFtraceHook.Hook;

/// <summary>The top of every verb: whatever fails, expected or not, becomes one line and an exit
/// code. An exception left unhandled would abort the process (a core dump under native AOT, and a
/// runtime that reports only a signal).</summary>
internal static class VerbGuard
{
    /// <summary>Runs <paramref name="verb"/>; a failure is reported once through
    /// <paramref name="report"/> (as one line) and gives exit code 1, or 2 for a wrong command line.</summary>
    public static int Run(Func<int> verb, Action<string, Exception> report)
    {
        try
        {
            return verb();
        }
        catch (Exception e)
        {
            report(OneLine(e), e);
            return e is UsageException ? 2 : 1;
        }
    }

    /// <summary>The message on one line; a failure nobody foresaw also names its type, so it can be reported.</summary>
    public static string OneLine(Exception e)
    {
        var message = e is HookException or IOException or UnauthorizedAccessException ? e.Message : $"unexpected {e.GetType().Name}: {e.Message}";
        message = message.ReplaceLineEndings(" ");
        return message.Length <= 1000 ? message : message[..1000] + "...";
    }
}
