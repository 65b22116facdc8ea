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

    /// <summary>Refuses to act from inside the container. Registered as a createContainer or
    /// startContainer hook, the runtime runs the hook in the container's mount namespace (and, for
    /// createContainer, its PID namespace, where the state's pid reads 1): mounts and files made
    /// there land in the container's view, and what the hook reads is the container's.</summary>
    public static void RefuseInsideContainer(int? pid, string procRoot = "/proc")
    {
        const string how = "register it as a prestart or createRuntime hook, not createContainer or startContainer";
        if (pid == 1)
            throw new HookException($"the state's pid is 1: the hook runs inside the container's namespaces ({how})");
        if (pid is not > 1) return;
        try
        {
            var theirs = new FileInfo($"{procRoot}/{pid}/ns/mnt").LinkTarget;
            var ours = new FileInfo($"{procRoot}/self/ns/mnt").LinkTarget;
            // A runtime's init sharing the hook's mount namespace: the runtime runs the hook from it.
            // (Any other process there is refused by Locate: it is no container's init.)
            if (theirs is not null && theirs == ours && ReadStat(procRoot, pid.Value) is { } stat && RuntimeInitNames.Contains(stat.Command))
                throw new HookException($"the hook runs inside the mount namespace of the container's init ({how})");
        }
        catch (IOException)
        {
            // The init is gone or unreadable: locating it says so.
        }
    }

    /// <summary>Is <paramref name="init"/> still the process that was located (not a reused PID)?</summary>
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
