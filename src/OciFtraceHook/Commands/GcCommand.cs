using System.CommandLine;
using OciFtraceHook.Hook;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.Commands;

/// <summary>gc: saves and removes the instances whose container is gone. Run by the package's timer,
/// and detached by each poststop (--instance NAME --when-quiet --quiet), which saves that one
/// instance's trace first and removes it once starts are quiet.</summary>
internal static class GcCommand
{
    private static readonly Option<string?> Instance = new("--instance") { Description = "only this instance", HelpName = "NAME" };
    private static readonly Option<bool> WhenQuiet = new("--when-quiet")
    {
        Description = "first wait until no container has started for a second (a removal holds ftrace's event lock, " +
                      "which the starting containers' prestart needs), then collect every ended container's instance; " +
                      "ends at once when another gc already waits",
    };
    private static readonly Option<bool> Quiet = new("--quiet") { Description = "log nothing" };
    private static readonly Option<string?> Config = new("--config") { Description = "the host settings (default /etc/oci-ftrace-hook/hook.conf)", HelpName = "FILE" };
    private static readonly Option<bool> Detached = new(DetachedHook.DetachedFlag) { Description = "started by poststop: start clean (stdio on /dev/null, own session)", Hidden = true };

    public static Command Create()
    {
        var command = new Command("gc", "save and remove the instances whose container is gone") { Instance, WhenQuiet, Quiet, Config, Detached };
        command.SetAction(Run);
        return command;
    }

    private static int Run(ParseResult parse)
    {
        if (parse.GetValue(Detached)) DetachedHook.CleanStart();
        if (!Environment.IsPrivilegedProcess) throw new HookException("gc must run as root");
        using var loggerFactory = HookLogging.CreateFactory(parse.GetValue(Quiet));
        var logger = loggerFactory.CreateLogger("oci-ftrace-hook");
        var host = HookConf.Load(parse.GetValue(Config));
        var only = parse.GetValue(Instance);
        if (only is not null && !InstanceName.IsOurs(only)) throw new HookException($"gc: '{Printable.Line(only)}' is not an instance of this hook");
        var traceFs = TraceFs.OnHost();
        var records = new InstanceRecords();
        int count;
        try
        {
            // Poststop's own: the trace is saved at once, and only the removal waits for quiet starts,
            // in one detached gc at a time, which removes every ended container's instance.
            if (only is not null) Gc.SaveEnded(traceFs?.Instance(only), only, records, logger, host);
            count = parse.GetValue(WhenQuiet)
                ? RemovalWaiter.Run(records, () => new ContainerStarts().WaitForQuiet(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30)),
                    () => Gc.CollectAll(traceFs, records, null, logger, host))
                : Gc.CollectAll(traceFs, records, only, logger, host);
        }
        catch (HookException e)
        {
            throw new HookException($"gc: {e.Message}", e);
        }
        Log.GcDone(logger, count);
        return 0;
    }
}
