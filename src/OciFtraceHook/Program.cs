using OciFtraceHook;
using OciFtraceHook.Commands;
using OciFtraceHook.Hook;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.Tracing;

// Verbs only. The hook's stages run on every container start: they take the direct path, with no
// command-line parser to load. The tools (show, seccomp, gc) go through System.CommandLine.
internal static class Program
{
    private static int Main(string[] args)
    {
        Interop.LoadMonoPosixHelperBesideBinary();
        // Called by an engine in place of runc (through the oci-ftrace-runc link): runc's command line, not ours.
        if (RuntimeShim.IsInvokedAs(Environment.GetCommandLineArgs()[0])) return RuntimeShim.Run(args);
        var verb = args.Length > 0 ? args[0] : null;
        // A stage may be followed by --config FILE (the administrator's settings, named in the hook's args
        // like its path); with no stage word, --config FILE comes first.
        string? configPath = null;
        if (args is [_, "--config", var stageConfig] && verb is "prestart" or "createRuntime" or "poststop")
        {
            configPath = stageConfig;
            args = [verb!];
        }
        else if (args is ["--config", var config])
        {
            (configPath, verb, args) = (config, null, []);
        }
        if (verb is null or "prestart" or "createRuntime" or "poststop") return args.Length > 1 ? UnknownArguments(args) : RunStage(verb, configPath);
        if (verb is "--version")
        {
            Console.Out.WriteLine($"oci-ftrace-hook {typeof(HookException).Assembly.GetName().Version?.ToString(3)}");
            return 0;
        }
        if (verb == StopRecording.Verb) return RunStopRecording(args[1..]);
        if (verb is not ("show" or "seccomp" or "gc" or "-h" or "--help" or "-?") && !verb.StartsWith('[')) return UnknownArguments(args);
        return RunTool(args);
    }

    private static int RunStage(string? verb, string? configPath)
    {
        using var loggerFactory = HookLogging.CreateFactory();
        var logger = loggerFactory.CreateLogger("oci-ftrace-hook");
        ContainerState? state = null;
        var stage = verb ?? "hook";
        return VerbGuard.Run(() =>
        {
            state = HookInput.ReadState(Console.OpenStandardInput());
            stage = verb ?? state.Status switch
            {
                "creating" or "created" => "prestart",
                "stopped" => "poststop",
                _ => throw new HookException($"cannot tell the stage from status '{state.Status}': name it (prestart or poststop)"),
            };
            var host = HookConf.Load(configPath);
            if (stage == "poststop") Poststop.Run(state, logger, new InstanceRecords(), host);
            else Prestart.Run(state, logger, new InstanceRecords(), host);
            return 0;
        }, (message, e) => Log.StageFailed(logger, stage, state?.Id ?? "(unknown)", message, e));
    }

    // Detached by prestart for the stop-after annotation; quiet, as nobody reads its output.
    private static int RunStopRecording(string[] args)
    {
        TimeSpan? after;
        string name;
        if (args is ["--instance", var full, "--when-full"])
        {
            (name, after) = (full, null);
        }
        else if (args is ["--instance", var timed, "--after", var seconds]
                 && long.TryParse(seconds, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 86400)
        {
            (name, after) = (timed, TimeSpan.FromSeconds(s));
        }
        else
        {
            return 2;
        }
        if (!InstanceName.IsOurs(name)) return 2;
        try
        {
            // Its own session, "/", stdio on /dev/null: it may outlive the hook that started it by hours.
            DetachedHook.CleanStart();
            var stopped = StopRecording.Run(name, after, new InstanceRecords(), () => TraceFs.OnHost()?.Instance(name));
            return stopped ? 0 : 1;
        }
        catch (Exception e) when (e is HookException or IOException or UnauthorizedAccessException)
        {
            return 1;
        }
    }

    private static int UnknownArguments(string[] args)
    {
        Console.Error.WriteLine($"oci-ftrace-hook: error: unknown arguments '{Printable.Line(string.Join(' ', args))}'");
        Console.Error.WriteLine("Try 'oci-ftrace-hook --help'.");
        return 2;
    }

    private static int RunTool(string[] args)
    {
        var output = new StreamWriter(Console.OpenStandardOutput(), new System.Text.UTF8Encoding(false), 1 << 16) { AutoFlush = false };
        try
        {
            return ToolCommandLine.Run(args, new ToolConsole(output, Console.Error, Console.OpenStandardInput));
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
}
