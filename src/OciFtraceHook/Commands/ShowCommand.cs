using System.CommandLine;
using OciFtraceHook.Decoding;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Commands;

/// <summary>show's command line: its options, their help and completions, and the checks that
/// turn them into <see cref="ShowArguments"/>.</summary>
internal static class ShowCommand
{
    private static readonly Argument<string?> Container = new("CONTAINER")
    {
        Description = "a container's id, a unique prefix of it, or its name (where the engine gives one): its live " +
                      "instance, else its newest saved trace; '-' reads a trace from stdin",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private static readonly Option<string?> File = new("--file") { Description = "a saved trace, or a trace copied out of a container ('-' for stdin)", HelpName = "PATH" };
    private static readonly Option<string?> SaveDir = new("--save-dir") { Description = "also look for saved traces there", HelpName = "DIR" };
    private static readonly Option<bool> Follow = new("--follow", "-f")
    {
        Description = "stream the live container's trace_pipe until it ends or Ctrl-C (trace_pipe consumes events: the " +
                      "container's own `trace` no longer has them; the hook keeps them for the saved trace)",
    };
    private static readonly Option<bool> Summary = new("--summary", "-c") { Description = "a table like strace -c: calls, errors and time per syscall" };
    private static readonly Option<string?> Trace = new("--trace", "-e")
    {
        Description = "only these syscalls or classes: openat,read or %file,%network,%process,%memory,%signal,%desc,%ipc " +
                      "(also -e trace=LIST)",
        HelpName = "LIST",
    };
    private static readonly Option<bool> Failed = new("--failed", "-Z") { Description = "only calls that failed" };
    private static readonly Option<int[]> Pid = new("--pid", "-p") { Description = "only this process or thread (repeatable)", HelpName = "PID" };
    private static readonly Option<bool> Durations = new("-T") { Description = "show the time spent in each call" };
    private static readonly Option<string> Format = new("--format")
    {
        Description = "text, json (one object a call, for jq) or chrome (Trace Event Format for Perfetto UI and chrome://tracing)",
        DefaultValueFactory = _ => "text",
        HelpName = "FORMAT",
    };
    private static readonly Option<string?> Arch = ToolCommandLine.ArchOption("x86_64 or arm64: the syscall table to read with (default: the one the trace names, else this machine's)");

    static ShowCommand()
    {
        ToolCommandLine.RefuseOptionLikeValues(Container);
        Format.AcceptOnlyFromAmong("text", "json", "chrome");
        Trace.CompletionSources.Add(SyscallClasses.Names.Select(n => "%" + n).ToArray());
        Pid.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int[]>() is { } pids && pids.Any(p => p <= 0)) result.AddError("a PID is a positive number");
        });
    }

    public static Command Create(ToolConsole console)
    {
        var command = new Command("show", "a container's trace as strace-like lines (or a summary), from its live instance, " +
                                          "its saved trace, a file, or stdin")
        {
            Container, File, SaveDir, Follow, Summary, Trace, Failed, Pid, Durations, Format, Arch,
        };
        command.SetAction(parse => Show.Run(Arguments(parse), console.Output, console.Error, console.OpenInput(), HookConf.Load(), new InstanceRecords()));
        return command;
    }

    /// <summary>The parsed command line, checked; wrong combinations are usage errors.</summary>
    internal static ShowArguments Arguments(ParseResult parse)
    {
        var container = parse.GetValue(Container);
        var file = parse.GetValue(File);
        if (container == "-")
        {
            file ??= "-";
            container = null;
        }
        var options = new DecodeOptions
        {
            Summary = parse.GetValue(Summary),
            FailedOnly = parse.GetValue(Failed),
            Durations = parse.GetValue(Durations),
            Pids = parse.GetValue(Pid) is { Length: > 0 } pids ? pids : null,
            Trace = parse.GetValue(Trace) is { } trace ? ParseTrace(trace) : null,
            Format = parse.GetValue(Format) switch
            {
                "json" => OutputFormat.Json,
                "chrome" => OutputFormat.Chrome,
                _ => OutputFormat.Text,
            },
            Arch = ToolCommandLine.ArchOf(parse, Arch),
        };
        var follow = parse.GetValue(Follow);
        if (follow && (file is not null || container is null))
            throw new UsageException("show: --follow needs a running container, not a file");
        if (options.Summary && options.Format != OutputFormat.Text)
            throw new UsageException("show: --summary is a table; it has no --format");
        if (file is not null && container is not null)
            throw new UsageException("show: give a container or --file, not both");
        return new ShowArguments
        {
            Container = container,
            File = file,
            SaveDir = parse.GetValue(SaveDir),
            Follow = follow,
            Options = options,
        };
    }

    private static bool IsSyscall(string name) =>
        new[] { TraceArch.X86_64, TraceArch.Arm64 }.Any(arch => SyscallTable.For(arch) is var table && (table.NumberOf(name) is not null || table.EventOf(name) is not null));

    /// <summary>"openat,read", "%file,%network" or strace's "trace=..." form.</summary>
    private static string[] ParseTrace(string value)
    {
        if (value.StartsWith("trace=", StringComparison.Ordinal)) value = value["trace=".Length..];
        var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new UsageException("show: -e needs syscall names or %classes");
        for (var i = 0; i < items.Length; i++)
        {
            var item = items[i];
            if (item.StartsWith('%'))
            {
                if (!CallFilter.IsKnownClass(item[1..]))
                    throw new UsageException($"show: unknown class '{item}' (known: {string.Join(", ", SyscallClasses.Names.Select(n => "%" + n))})");
                continue;
            }
            if (IsSyscall(item)) continue;
            // strace's older form names a class without '%' ("trace=file").
            if (CallFilter.IsKnownClass(item)) items[i] = "%" + item;
            else throw new UsageException($"show: unknown syscall '{item}' (neither x86_64 nor arm64 has it; a class is written %file, %network...)");
        }
        return items;
    }
}
