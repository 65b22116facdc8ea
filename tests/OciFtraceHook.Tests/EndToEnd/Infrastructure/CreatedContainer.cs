using System.Text.Json.Nodes;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>A container made with `runc create` and not started: its init waits (as at prestart)
/// and its PID is known, so a test can run the hook against it by hand, kill it, and so on. Unless
/// the bundle's config names the hook, nothing runs prestart or poststop but the test.</summary>
internal sealed class CreatedContainer : IDisposable
{
    public string Id { get; }
    public int Pid { get; }
    public BusyboxBundle Bundle { get; }

    private CreatedContainer(string id, int pid, BusyboxBundle bundle)
    {
        Id = id;
        Pid = pid;
        Bundle = bundle;
    }

    public static CreatedContainer Create(BusyboxBundle bundle, string? id = null)
    {
        id ??= "oft-created-" + Guid.NewGuid().ToString("N")[..10];
        bundle.Save();
        var runc = HostRequirements.FindRunc()!;
        // runc create keeps the caller's stdio for the container: give it none, or we wait forever.
        var create = ProcessRunner.Run("/bin/sh", ["-c", "exec \"$0\" create --bundle \"$1\" \"$2\" </dev/null >/dev/null 2>&1", runc, bundle.Dir, id]);
        if (create.ExitCode != 0) throw new InvalidOperationException($"runc create failed:\n{create}");
        var state = ProcessRunner.Run(runc, ["state", id]);
        var pid = JsonNode.Parse(state.Stdout)!["pid"]!.GetValue<int>();
        return new CreatedContainer(id, pid, bundle);
    }

    public string State => HookProcess.State(Id, Pid, Bundle.Dir);

    /// <summary>Runs the hook by hand for this container, as its runtime would, with the bundle's hook.conf.</summary>
    public ProcessResult RunHook(string stage) => HookProcess.Run(State, stage, "--config", Bundle.ConfigPath);

    /// <summary>Starts the program (runc start): the init execs it and the exec trigger fires.</summary>
    public void Start()
    {
        var start = ProcessRunner.Run(HostRequirements.FindRunc()!, ["start", Id]);
        if (start.ExitCode != 0) throw new InvalidOperationException($"runc start failed:\n{start}");
    }

    /// <summary>Waits until the init has exec'd <paramref name="program"/> (its comm says so): a test
    /// that reads the instance's `trace` waits for this rather than reading it sooner, as a read
    /// pauses the recording (pause-on-trace).</summary>
    public void WaitUntilRunning(string program, TimeSpan timeout) =>
        Wait.Until(() => File.Exists($"/proc/{Pid}/comm") ? File.ReadAllText($"/proc/{Pid}/comm").Trim() : "",
            comm => comm == program, timeout, $"the container's init to become {program}");

    /// <summary>Waits until the container's program has ended; a test whose program outlives
    /// <paramref name="timeout"/> fails saying so (not later, on a trace cut short by the delete).</summary>
    public void WaitUntilStopped(TimeSpan timeout) =>
        Wait.Until(() => Directory.Exists($"/proc/{Pid}"), running => !running, timeout, "the container's program to end");

    /// <summary>Stops and deletes the container; runc runs poststop hooks if its config names them.</summary>
    public void Delete() => ProcessRunner.Run(HostRequirements.FindRunc()!, ["delete", "--force", Id]);

    public void Dispose() => Delete();
}
