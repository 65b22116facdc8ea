namespace OciFtraceHook.Hook;

/// <summary>What a stage has made so far, undone in reverse when a later step fails.</summary>
internal sealed class UndoStack(Action<string, Exception> onUndoFailure)
{
    private readonly Stack<(string What, Action Undo)> _steps = new();

    public void Push(string what, Action undo) => _steps.Push((what, undo));

    /// <summary>The stage succeeded: keep everything.</summary>
    public void Commit() => _steps.Clear();

    public void Rollback()
    {
        while (_steps.TryPop(out var step))
        {
            try
            {
                step.Undo();
            }
            catch (Exception e)
            {
                onUndoFailure(step.What, e);
            }
        }
    }
}
