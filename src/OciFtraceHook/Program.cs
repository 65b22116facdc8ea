using Microsoft.Extensions.Logging;
using OciFtraceHook;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Stages;

// Verbs only; each stage lives in Stages/.
const string Usage = """
    usage: oci-ftrace-hook [prestart|createRuntime|poststop]   (an OCI hook: the state JSON on stdin)
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
if (verb is not (null or "prestart" or "createRuntime" or "poststop") || args.Length > 1)
{
    Console.Error.WriteLine($"oci-ftrace-hook: error: unknown arguments '{string.Join(' ', args)}'");
    Console.Error.WriteLine(Usage);
    return 2;
}

var level = Environment.GetEnvironmentVariable("OCI_FTRACE_HOOK_LOG") switch
{
    "debug" => LogLevel.Debug,
    "warning" => LogLevel.Warning,
    "error" => LogLevel.Error,
    _ => LogLevel.Information,
};
using var loggerFactory = new LoggerFactory([new StderrLoggerProvider(level)]);
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
    if (!Environment.IsPrivilegedProcess)
        throw new HookException("the hook must run as root on the host to create ftrace instances and mounts (rootless engines cannot trace)");
    if (stage == "poststop") Poststop.Run(state, logger);
    else Prestart.Run(state, logger);
    return 0;
}
catch (Exception e) when (e is HookException or IOException or UnauthorizedAccessException)
{
    Log.StageFailed(logger, stage, state?.Id ?? "(unknown)", e.Message, e);
    return 1;
}
