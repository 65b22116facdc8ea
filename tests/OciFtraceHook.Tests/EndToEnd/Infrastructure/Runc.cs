namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Runs a bundle with `runc run` and always deletes the container afterwards.</summary>
internal static class Runc
{
    /// <param name="root">runc's state directory (--root), for a second runtime on the same host.</param>
    public static ProcessResult Run(BusyboxBundle bundle, string? id = null, string? root = null)
    {
        bundle.Save();
        // An earlier test's container may still be saved in the background. A save reads the
        // kernel's saved_cmdlines under the lock the kernel only tries when it records a task's
        // name, so a container running meanwhile can lose names ("<...>"): start from a quiet host.
        PendingSaves.WaitFor();
        var runc = HostRequirements.FindRunc()!;
        id ??= "oft-test-" + Guid.NewGuid().ToString("N")[..12];
        string[] global = root is null ? [] : ["--root", root];
        try
        {
            return ProcessRunner.Run(runc, [.. global, "run", "--bundle", bundle.Dir, id], timeout: TimeSpan.FromMinutes(2));
        }
        finally
        {
            ProcessRunner.Run(runc, [.. global, "delete", "--force", id]);
        }
    }
}
