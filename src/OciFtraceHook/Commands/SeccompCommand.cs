using System.CommandLine;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Commands;

/// <summary>seccomp's command line: its options, their help and completions.</summary>
internal static class SeccompCommand
{
    private static readonly Argument<string[]> Containers = new("CONTAINER")
    {
        Description = "a container (id, unique id prefix or name): its live or newest saved trace",
        Arity = ArgumentArity.ZeroOrMore,
    };
    private static readonly Option<string[]> Files = new("--file") { Description = "a saved trace (repeatable; several traces merge into one profile)", HelpName = "PATH" };
    private static readonly Option<string?> Output = new("--output", "-o") { Description = "where to write the profile (default: standard output)", HelpName = "FILE" };
    private static readonly Option<string> ErrnoName = new("--errno")
    {
        Description = "what refused calls return",
        DefaultValueFactory = _ => "EPERM",
        HelpName = "NAME",
    };
    private static readonly Option<string> Runtime = new("--runtime")
    {
        Description = "add what this runtime calls after loading the filter: runc, or none",
        DefaultValueFactory = _ => "runc",
        HelpName = "NAME",
    };
    private static readonly Option<string?> Arch = ToolCommandLine.ArchOption("x86_64 or arm64: the syscall table to read with (default: the one the traces name, else this machine's)");
    private static readonly Option<string?> SaveDir = new("--save-dir") { Description = "also look for saved traces there", HelpName = "DIR" };

    static SeccompCommand()
    {
        ToolCommandLine.RefuseOptionLikeValues(Containers);
        ErrnoName.CompletionSources.Add("EPERM", "ENOSYS", "EACCES");
        Runtime.CompletionSources.Add("runc", "none");
    }

    public static Command Create(ToolConsole console)
    {
        var command = new Command("seccomp", "a least-privilege seccomp profile (linux.seccomp of config.json, also read by " +
                                             "podman --security-opt seccomp=FILE) from one or more traces of a workload")
        {
            Containers, Files, Output, ErrnoName, Runtime, Arch, SaveDir,
        };
        command.SetAction(parse => Seccomp.Run(Arguments(parse), console.Error, HookConf.Load(), new InstanceRecords()));
        return command;
    }

    internal static SeccompArguments Arguments(ParseResult parse)
    {
        var containers = parse.GetValue(Containers) ?? [];
        var files = parse.GetValue(Files) ?? [];
        if (containers.Length == 0 && files.Length == 0) throw new UsageException("seccomp: name at least one container or --file");
        var errnoName = parse.GetValue(ErrnoName)!;
        var errno = Errno.Number(errnoName) ?? throw new UsageException($"seccomp: unknown errno '{errnoName}' (e.g. EPERM, ENOSYS)");
        var runtime = parse.GetValue(Runtime)!;
        return new SeccompArguments
        {
            Containers = containers,
            Files = files,
            Output = parse.GetValue(Output),
            ErrnoName = errnoName,
            Errno = errno,
            Runtime = runtime == "none" ? null : runtime,
            Arch = ToolCommandLine.ArchOf(parse, Arch),
            SaveDir = parse.GetValue(SaveDir),
        };
    }
}

/// <summary>What `seccomp` was asked for.</summary>
internal sealed record SeccompArguments
{
    public IReadOnlyList<string> Containers { get; init; } = [];
    public IReadOnlyList<string> Files { get; init; } = [];
    public string? Output { get; init; }
    public string ErrnoName { get; init; } = "EPERM";
    public int Errno { get; init; }
    public string? Runtime { get; init; } = "runc";
    public TraceArch? Arch { get; init; }
    public string? SaveDir { get; init; }
}
