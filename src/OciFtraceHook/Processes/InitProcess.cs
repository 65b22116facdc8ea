using System.Globalization;

namespace OciFtraceHook.Processes;

/// <summary>The container's init as the host sees it: the <c>runc init</c> process whose host PID
/// the runtime passes in the state, which will exec the container's program.</summary>
internal sealed record InitProcess(int Pid, string Command, ulong StartTime);

/// <summary>Checks that a PID from the state is alive and is a container's init before the hook
/// points tracing at it: a wrong PID would trace (and hand out the events of) another process.</summary>
internal static class InitProcessLocator
{
    /// <summary>comm values of runtimes' init processes before they exec the container's program.</summary>
    private static readonly string[] RuntimeInitNames = ["runc:[2:INIT]", "runc:[1:CHILD]", "runc", "crun", "youki"];

    public static InitProcess Locate(int? pid, string procRoot = "/proc")
    {
        if (pid is null) throw new HookException("the OCI state has no pid: the hook must run as a prestart (or createRuntime) hook");
        if (pid <= 1) throw new HookException($"pid {pid} in the OCI state cannot be a container's init");
        var stat = ReadStat(procRoot, pid.Value)
                   ?? throw new HookException($"process {pid} from the OCI state does not exist (has the container already exited?)");
        if (stat.State is 'Z' or 'X') throw new HookException($"process {pid} from the OCI state has exited");
        if (!InOtherPidNamespace(procRoot, pid.Value) && !RuntimeInitNames.Contains(stat.Command))
            throw new HookException($"process {pid} ({stat.Command}) is not a container's init: it shares the hook's PID namespace and is not a runtime's init");
        return new InitProcess(pid.Value, stat.Command, stat.StartTime);
    }

    /// <summary>Is <paramref name="pid"/> still the process that was located (not a reused PID)?</summary>
    public static bool IsSame(InitProcess init, string procRoot = "/proc") =>
        ReadStat(procRoot, init.Pid) is { } stat && stat.StartTime == init.StartTime && stat.State is not ('Z' or 'X');

    internal sealed record ProcStat(string Command, char State, ulong StartTime);

    internal static ProcStat? ReadStat(string procRoot, int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"{procRoot}/{pid}/stat");
        }
        catch (IOException)
        {
            // ENOENT, or ESRCH for a process that is exiting right now: either way it is gone.
            return null;
        }
        return ParseStat(text);
    }

    /// <summary>/proc/PID/stat: "pid (comm) state ppid ... starttime(22nd) ..."; comm may hold
    /// spaces and parentheses, so fields are counted from the last ')'.</summary>
    internal static ProcStat ParseStat(string text)
    {
        var open = text.IndexOf('(');
        var close = text.LastIndexOf(')');
        if (open < 0 || close < open || close + 2 > text.Length) throw new HookException("unreadable /proc stat line");
        var command = text[(open + 1)..close];
        var rest = text[(close + 2)..].Split(' ');
        // rest[0] is field 3 (state); starttime is field 22.
        if (rest.Length <= 22 - 3 || rest[0].Length == 0
            || !ulong.TryParse(rest[22 - 3], NumberStyles.None, CultureInfo.InvariantCulture, out var startTime))
            throw new HookException("unreadable /proc stat line");
        return new ProcStat(command, rest[0][0], startTime);
    }

    private static bool InOtherPidNamespace(string procRoot, int pid)
    {
        try
        {
            var theirs = new FileInfo($"{procRoot}/{pid}/ns/pid").LinkTarget;
            var ours = new FileInfo($"{procRoot}/self/ns/pid").LinkTarget;
            return theirs is not null && ours is not null && theirs != ours;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
