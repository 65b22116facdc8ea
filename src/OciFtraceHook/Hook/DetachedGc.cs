using System.Diagnostics;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Hook;

/// <summary>Runs `oci-ftrace-hook gc [--instance NAME] --when-quiet --quiet` in the background, so
/// slow instance removals stay off the container's path (and off the next containers' starts). The child gets its own pipes for stdio: a child holding
/// the runtime's stdout/stderr would make the runtime wait for it to end.</summary>
internal static class DetachedGc
{
    public static bool TryStart(string? instanceName, out string why) =>
        TryStartSelf(instanceName is null ? ["gc", "--when-quiet", "--quiet"] : ["gc", "--instance", instanceName, "--when-quiet", "--quiet"], out why);

    /// <summary>Runs this executable with <paramref name="arguments"/> in the background, on pipes
    /// of its own.</summary>
    public static bool TryStartSelf(IReadOnlyList<string> arguments, out string why)
    {
        why = "";
        var self = Environment.ProcessPath;
        if (self is null || !File.Exists(self))
        {
            why = "own executable not found";
            return false;
        }
        try
        {
            var info = new ProcessStartInfo(self)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in arguments) info.ArgumentList.Add(argument);
            using var child = System.Diagnostics.Process.Start(info);
            if (child is null)
            {
                why = "process did not start";
                return false;
            }
            child.StandardInput.Close();
            return true;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            why = e.Message;
            return false;
        }
    }

    /// <summary>Is any recorded instance's container gone (a crash, or a start that failed after
    /// prestart without a poststop)? Cheap: a directory listing and one /proc read per record.</summary>
    public static bool AnyLeftBehind(InstanceRecords records, string except)
    {
        foreach (var name in records.Names())
        {
            if (name == except) continue;
            var record = records.Read(name);
            if (record is null) continue; // being written or replaced right now
            // Saved by its poststop, whose detached gc removes it once starts are quiet; only if
            // that has not happened for minutes did the removal die on the way.
            if (record.SavedTo is not null && File.GetLastWriteTimeUtc(records.PathFor(name)) > DateTime.UtcNow - TimeSpan.FromMinutes(2)) continue;
            if (!record.InitIsAlive()) return true;
        }
        return false;
    }
}
