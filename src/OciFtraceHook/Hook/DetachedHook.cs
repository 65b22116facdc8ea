using System.Diagnostics;
using OciFtraceHook.Records;

namespace OciFtraceHook.Hook;

/// <summary>Runs this executable detached: `oci-ftrace-hook gc [--instance NAME] --detached
/// --when-quiet --quiet` (and stop-recording, through <see cref="TryStartSelf"/>) in the
/// background, so saves and slow instance removals stay off the container's path (and removals off
/// the next containers' starts; one such process at a time waits for them, see RemovalWaiter). It
/// starts clean and at a low priority: no environment, working directory "/", no descriptor but
/// stdio, which it moves onto /dev/null at once (a child holding the runtime's stdout/stderr would
/// make the runtime wait for it to end, and one writing into a closed pipe would die of EPIPE).</summary>
internal static class DetachedHook
{
    /// <param name="configPath">hook.conf when not the default one, passed on.</param>
    public static bool TryStartGc(string? instanceName, string? configPath, out string why)
    {
        List<string> arguments = ["gc", DetachedFlag];
        if (instanceName is not null) arguments.AddRange(["--instance", instanceName]);
        if (configPath is not null) arguments.AddRange(["--config", configPath]);
        arguments.AddRange(["--when-quiet", "--quiet"]);
        return TryStartSelf(arguments, out why);
    }

    /// <summary>Runs this executable with <paramref name="arguments"/> in the background, started as
    /// clean as the gc (no environment, "/", no inherited descriptor but stdio, pipes closed at once).</summary>
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
                WorkingDirectory = "/",
            };
            // Nothing of the runtime's (or the container's) environment, nor any descriptor but
            // stdio, reaches the child; it puts its stdio on /dev/null itself (CleanStart).
            info.Environment.Clear();
            Interop.CloseOnExecFrom3();
            foreach (var argument in arguments) info.ArgumentList.Add(argument);
            // At nice 10: saves and removals are background work, and the container's runtime (and the
            // next containers' starts) come first on a busy host.
            using var child = Interop.WithNiceAtLeast(BackgroundNice, () => System.Diagnostics.Process.Start(info));
            if (child is null)
            {
                why = "process did not start";
                return false;
            }
            child.StandardInput.Close();
            child.StandardOutput.Close();
            child.StandardError.Close();
            return true;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            why = e.Message;
            return false;
        }
    }

    /// <summary>The nice value detached processes start with (at least; a hook already running nicer
    /// passes on its own).</summary>
    public const int BackgroundNice = 10;

    /// <summary>Marks the gc started by <see cref="TryStartGc"/>.</summary>
    public const string DetachedFlag = "--detached";

    /// <summary>The detached gc's first step: a session of its own (the runtime's signals to its
    /// group do not reach it), files it makes private (umask 077), the working directory "/", and
    /// stdio on /dev/null, so a write never fails with EPIPE once the hook that started it is gone.</summary>
    public static void CleanStart()
    {
        Interop.SetUmask(0x3F /* 077 */);
        Interop.NewSession();
        Environment.CurrentDirectory = "/";
        using var devNull = Interop.Open("/dev/null", Interop.OpenFlags.O_RDWR | Interop.OpenFlags.O_CLOEXEC, "open");
        for (var fd = 0; fd <= 2; fd++) Interop.Dup2(devNull, fd);
    }

    /// <summary>Is any recorded instance's container gone (a crash, or a start that failed after
    /// prestart without a poststop)? Cheap: one /proc read per record.</summary>
    /// <param name="read">The records as read already (prestart's admission read them all).</param>
    public static bool AnyLeftBehind(InstanceRecords records, IEnumerable<(string Name, InstanceRecord Record)> read, string except)
    {
        foreach (var (name, record) in read)
        {
            if (name == except) continue;
            switch (record.Phase())
            {
                case RecordPhase.Tracing or RecordPhase.Saving: // running, or its poststop's gc is saving it
                    continue;
                case RecordPhase.Saved or RecordPhase.Pinned:
                    // Its poststop's detached gc removes it once starts are quiet; only if that has
                    // not happened for minutes did the removal die on the way.
                    if (File.GetLastWriteTimeUtc(records.PathFor(name)) > DateTime.UtcNow - RecordPhases.RemovalDeadline) continue;
                    if (!record.InitIsAlive()) return true;
                    continue;
                case RecordPhase.LeftBehind:
                    return true;
            }
        }
        return false;
    }
}
