namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Runs a bundle with `runc run` and always deletes the container afterwards.</summary>
internal static class Runc
{
    public static ProcessResult Run(BusyboxBundle bundle, string? id = null)
    {
        bundle.Save();
        var runc = HostRequirements.FindRunc()!;
        id ??= "oft-test-" + Guid.NewGuid().ToString("N")[..12];
        try
        {
            return ProcessRunner.Run(runc, ["run", "--bundle", bundle.Dir, id], timeout: TimeSpan.FromMinutes(2));
        }
        finally
        {
            ProcessRunner.Run(runc, ["delete", "--force", id]);
        }
    }
}
