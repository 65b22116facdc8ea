using Microsoft.Extensions.Logging;
using OciFtraceHook;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Commands;
using OciFtraceHook.Hook;
using OciFtraceHook.Tracing;

// Verbs only; each stage lives in Stages/.
const string Usage = """
    usage: oci-ftrace-hook [prestart|createRuntime|poststop]   (an OCI hook: the state JSON on stdin)
           oci-ftrace-hook gc [--instance NAME] [--when-quiet] [--quiet]
                                  (save and remove instances whose container is gone; --when-quiet
                                  first waits until no container has started for a second)
           oci-ftrace-hook show [CONTAINER | --file PATH | -] [options]   (see show --help)
           oci-ftrace-hook seccomp [CONTAINER ...] [--file PATH ...] -o FILE    (see seccomp --help)
           oci-ftrace-hook --version
    With no stage word the stage is taken from the state's status (created: prestart, stopped: poststop).
    """;

var verb = args.Length > 0 ? args[0] : null;
if (verb is "-h" or "--help")
{
    Console.Out.WriteLine(Usage);
    return 0;
}
if (verb is "--version")
{
    Console.Out.WriteLine($"oci-ftrace-hook {typeof(HookException).Assembly.GetName().Version?.ToString(3)}");
    return 0;
}
if (verb == "show") return RunShow(args[1..]);
if (verb == StopRecording.Verb) return RunStopRecording(args[1..]);
if (verb == "seccomp") return RunSeccomp(args[1..]);
var quiet = verb == "gc" && args.Contains("--quiet");
if (verb == "gc") return RunGc(args[1..].Where(a => a is not ("--quiet" or "--when-quiet")).ToArray(), quiet, args.Contains("--when-quiet"));
if (verb is not (null or "prestart" or "createRuntime" or "poststop") || args.Length > 1)
{
    Console.Error.WriteLine($"oci-ftrace-hook: error: unknown arguments '{string.Join(' ', args)}'");
    Console.Error.WriteLine(Usage);
    return 2;
}

using var loggerFactory = CreateLoggerFactory(quiet: false);
var logger = loggerFactory.CreateLogger("oci-ftrace-hook");

ContainerState? state = null;
var stage = verb ?? "hook";
try
{
    state = HookInput.ReadState(Console.OpenStandardInput());
    stage = verb ?? state.Status switch
    {
        "creating" or "created" => "prestart",
        "stopped" => "poststop",
        _ => throw new HookException($"cannot tell the stage from status '{state.Status}': name it (prestart or poststop)"),
    };
    var host = HostDefaults.Load();
    if (stage == "poststop") Poststop.Run(state, logger, new InstanceRecords(), host);
    else Prestart.Run(state, logger, new InstanceRecords(), host);
    return 0;
}
catch (Exception e) when (e is HookException or IOException or UnauthorizedAccessException)
{
    Log.StageFailed(logger, stage, state?.Id ?? "(unknown)", e.Message, e);
    return 1;
}

static LoggerFactory CreateLoggerFactory(bool quiet)
{
    var level = quiet ? LogLevel.None : Environment.GetEnvironmentVariable("OCI_FTRACE_HOOK_LOG") switch
    {
        "debug" => LogLevel.Debug,
        "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        _ => LogLevel.Information,
    };
    return new LoggerFactory([new StderrLoggerProvider(level)]);
}

// Detached by prestart for the stop-after annotation; quiet, as nobody reads its output.
static int RunStopRecording(string[] args)
{
    if (args is not ["--instance", var name, "--after", var seconds] || !InstanceName.IsOurs(name)
        || !long.TryParse(seconds, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) || s is < 1 or > 86400)
        return 2;
    try
    {
        var stopped = StopRecording.Run(name, TimeSpan.FromSeconds(s), new InstanceRecords(), () =>
        {
            var mountPoint = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"));
            return mountPoint is null ? null : new TraceFs(mountPoint).Instance(name);
        });
        return stopped ? 0 : 1;
    }
    catch (Exception e) when (e is HookException or IOException or UnauthorizedAccessException)
    {
        return 1;
    }
}

static int RunGc(string[] args, bool quiet, bool whenQuiet)
{
    using var loggerFactory = CreateLoggerFactory(quiet);
    var logger = loggerFactory.CreateLogger("oci-ftrace-hook");
    string? only = null;
    if (args is ["--instance", var name]) only = name;
    else if (args.Length > 0)
    {
        Console.Error.WriteLine($"oci-ftrace-hook: error: unknown gc arguments '{string.Join(' ', args)}'");
        return 2;
    }
    if (!Environment.IsPrivilegedProcess)
    {
        Console.Error.WriteLine("oci-ftrace-hook: error: gc must run as root");
        return 1;
    }
    // Detached after poststop: let the containers starting now go first (their prestart would wait
    // for ftrace's event lock while a removal holds it).
    if (whenQuiet) new ContainerStarts().WaitForQuiet(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
    var mountPoint = TraceFs.FindMountPoint(File.ReadLines("/proc/self/mountinfo"));
    int count;
    try
    {
        count = Gc.Run(mountPoint is null ? null : new TraceFs(mountPoint),
            new InstanceRecords(), only, logger, HostDefaults.Load());
    }
    catch (HookException e)
    {
        Console.Error.WriteLine($"oci-ftrace-hook: error: gc: {e.Message}");
        return 1;
    }
    Log.GcDone(logger, count);
    return 0;
}

static int RunShow(string[] args)
{
    var output = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };
    try
    {
        return RunCommand(() => Show.Run(args, output, Console.Error, Console.OpenStandardInput()), before: output.Flush);
    }
    finally
    {
        try
        {
            output.Flush();
        }
        catch (IOException)
        {
            // The reader went away (e.g. `| head`).
        }
    }
}

static int RunSeccomp(string[] args) => RunCommand(() => Seccomp.Run(args, Console.Error));

/// <summary>A user-facing command: one error line; exit 2 for a wrong command line, 1 for a failure.</summary>
static int RunCommand(Func<int> run, Action? before = null)
{
    try
    {
        return run();
    }
    catch (Exception e) when (e is HookException or IOException or UnauthorizedAccessException)
    {
        before?.Invoke();
        Console.Error.WriteLine($"oci-ftrace-hook: error: {e.Message}");
        return e is UsageException ? 2 : 1;
    }
}
