using System.CommandLine;
using System.CommandLine.Help;
using OciFtraceHook.Tables;
using OciFtraceHook.Hook;
using OciFtraceHook.Logging;

namespace OciFtraceHook.Commands;

/// <summary>The tools' command line (show, seccomp, gc), parsed by System.CommandLine: generated
/// help, errors that name the command, and shell completion through its [suggest] directive. The
/// hook's own stages never come here: runtimes call them on every container start, and Program.cs
/// runs them directly.</summary>
internal static class ToolCommandLine
{
    public const string Description = """
        oci-ftrace-hook: gives each container its own ftrace instance and reads the traces.

        As an OCI hook (config.json hooks or hooks.d), the state JSON on stdin:
          oci-ftrace-hook [prestart|createRuntime|poststop] [--config FILE]
        --config names the host settings (default /etc/oci-ftrace-hook/hook.conf, root's file only).
        With no stage word the stage is taken from the state's status (created: prestart,
        stopped: poststop).
        """;

    public static RootCommand Build(ToolConsole console) =>
        new(Description)
        {
            ShowCommand.Create(console),
            SeccompCommand.Create(console),
            GcCommand.Create(),
        };

    /// <summary>Runs a tool. Exit codes: 0, 1 for a failure (one error line), 2 for a wrong command
    /// line (the error, then where to find help).</summary>
    public static int Run(IReadOnlyList<string> args, ToolConsole console)
    {
        var parse = Build(console).Parse(args);
        if (parse.Errors.Count > 0 && parse.Action is not HelpAction)
        {
            var command = parse.CommandResult.Command is RootCommand ? null : parse.CommandResult.Command.Name;
            // "Required command was not provided" only says less than an unrecognized word beside it.
            var first = parse.Errors.FirstOrDefault(e => !e.Message.StartsWith("Required command", StringComparison.Ordinal)) ?? parse.Errors[0];
            console.Error.WriteLine($"oci-ftrace-hook: error: {(command is null ? "" : command + ": ")}{Printable.Line(Describe(first.Message), Printable.LineCap)}");
            console.Error.WriteLine($"Try 'oci-ftrace-hook {(command is null ? "" : command + " ")}--help'.");
            return 2;
        }
        try
        {
            return parse.Invoke(new InvocationConfiguration
            {
                Output = console.Output,
                Error = console.Error,
                // Failures are ours to print as one line; no stack traces for users.
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception e)
        {
            // Whatever failed, foreseen or not: one line, never an abort with a core dump.
            try
            {
                console.Output.Flush();
            }
            catch (IOException)
            {
                // The reader went away: the error line still goes to stderr.
            }
            console.Error.WriteLine($"oci-ftrace-hook: error: {Printable.Line(VerbGuard.OneLine(e), Printable.LineCap)}");
            return e is UsageException ? 2 : 1;
        }
    }

    /// <summary>Parser messages in the tools' own words where ours are clearer.</summary>
    private static string Describe(string message)
    {
        const string unrecognized = "Unrecognized command or argument ";
        const string missing = "Required argument missing for option: ";
        if (message.StartsWith(unrecognized + "'-", StringComparison.Ordinal))
            return "unknown option " + message[unrecognized.Length..].TrimEnd('.');
        if (message.StartsWith(missing, StringComparison.Ordinal))
            return message[missing.Length..].TrimEnd('.').Trim('\'') + " needs a value";
        return message;
    }

    /// <summary>An argument that would swallow a mistyped option ("--nope" as a container id)
    /// reports it as the unknown option it is.</summary>
    public static void RefuseOptionLikeValues(Argument argument) =>
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.Length > 1 && token.Value[0] == '-') result.AddError($"unknown option '{token.Value}'");
            }
        });

    /// <summary>--arch, as show and seccomp take it: the names the architecture tables know.</summary>
    public static Option<string?> ArchOption(string description)
    {
        var option = new Option<string?>("--arch") { Description = description };
        option.AcceptOnlyFromAmong(TraceArchNames.Spellings);
        return option;
    }

    public static TraceArch? ArchOf(ParseResult parse, Option<string?> option) =>
        parse.GetValue(option) is { } arch ? TraceArchNames.Parse(arch) : null;
}
