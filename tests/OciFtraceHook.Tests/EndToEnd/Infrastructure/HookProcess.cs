using System.Text.Json.Nodes;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>Runs the published hook directly, the way a runtime does: a stage word and the state JSON on stdin.</summary>
internal static class HookProcess
{
    public static ProcessResult Run(string stdin, params string[] args) =>
        ProcessRunner.Run(HookBinary.Path, args, stdin: stdin, timeout: TimeSpan.FromMinutes(1));

    /// <summary>A tool run (show, seccomp) that must succeed.</summary>
    public static ProcessResult Succeeds(params string[] args)
    {
        var result = Run("", args);
        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        return result;
    }

    public static string State(string id, int? pid, string bundle, string status = "created")
    {
        var state = new JsonObject { ["ociVersion"] = "1.0.2", ["id"] = id, ["status"] = status, ["bundle"] = bundle };
        if (pid is not null) state["pid"] = pid.Value;
        return state.ToJsonString();
    }
}
