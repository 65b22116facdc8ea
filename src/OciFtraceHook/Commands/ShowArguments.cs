using System.Globalization;
using OciFtraceHook.Decoding;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Commands;

/// <summary>The command line of `show`, parsed and checked.</summary>
internal sealed record ShowArguments
{
    public string? Container { get; init; }
    public string? File { get; init; }
    public string? SaveDir { get; init; }
    public bool Follow { get; init; }
    public bool Help { get; init; }
    public DecodeOptions Options { get; init; } = new();

    public static ShowArguments Parse(IReadOnlyList<string> args)
    {
        var result = new ShowArguments();
        var options = new DecodeOptions();
        var pids = new List<int>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"show: {arg} needs a value");
            switch (arg)
            {
                case "-h" or "--help":
                    result = result with { Help = true };
                    break;
                case "--file":
                    result = result with { File = Value() };
                    break;
                case "--save-dir":
                    result = result with { SaveDir = Value() };
                    break;
                case "-f" or "--follow":
                    result = result with { Follow = true };
                    break;
                case "-c" or "--summary":
                    options = options with { Summary = true };
                    break;
                case "-Z" or "--failed":
                    options = options with { FailedOnly = true };
                    break;
                case "-T":
                    options = options with { Durations = true };
                    break;
                case "-p" or "--pid":
                    var pidText = Value();
                    if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
                        throw new UsageException($"show: '{pidText}' is not a PID");
                    pids.Add(pid);
                    break;
                case "-e" or "--trace":
                    options = options with { Trace = ParseTrace(Value()) };
                    break;
                case "--format":
                    var formatText = Value();
                    options = options with { Format = ParseFormat(formatText) };
                    break;
                case var _ when arg.StartsWith("--format=", StringComparison.Ordinal):
                    options = options with { Format = ParseFormat(arg["--format=".Length..]) };
                    break;
                case "--arch":
                    var archText = Value();
                    options = options with { Arch = TraceArchNames.Parse(archText) ?? throw new UsageException($"show: unknown architecture '{archText}' (x86_64 or arm64)") };
                    break;
                case "-":
                    result = result with { File = "-" };
                    break;
                default:
                    if (arg.StartsWith('-')) throw new UsageException($"show: unknown option '{arg}'");
                    if (result.Container is not null) throw new UsageException("show: one container at a time");
                    result = result with { Container = arg };
                    break;
            }
        }
        if (result.Follow && (result.File is not null || result.Container is null))
            throw new UsageException("show: --follow needs a running container, not a file");
        if (options.Summary && options.Format != OutputFormat.Text)
            throw new UsageException("show: --summary is a table; it has no --format");
        if (result.File is not null && result.Container is not null)
            throw new UsageException("show: give a container or --file, not both");
        return result with { Options = options with { Pids = pids.Count > 0 ? pids : null } };
    }

    private static OutputFormat ParseFormat(string text) => text switch
    {
        "text" => OutputFormat.Text,
        "json" => OutputFormat.Json,
        "chrome" => OutputFormat.Chrome,
        _ => throw new UsageException($"show: unknown format '{text}' (text, json or chrome)"),
    };

    /// <summary>"openat,read", "%file,%network" or strace's "trace=..." form.</summary>
    private static string[] ParseTrace(string value)
    {
        if (value.StartsWith("trace=", StringComparison.Ordinal)) value = value["trace=".Length..];
        var items = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (items.Length == 0) throw new UsageException("show: -e needs syscall names or %classes");
        foreach (var item in items)
        {
            if (item.StartsWith('%') && !CallFilter.IsKnownClass(item[1..]))
                throw new UsageException($"show: unknown class '{item}' (known: {string.Join(", ", SyscallClasses.Names.Select(n => "%" + n))})");
        }
        return items;
    }
}
