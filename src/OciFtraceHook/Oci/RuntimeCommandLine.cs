namespace OciFtraceHook.Oci;

/// <summary>What the runtime shim needs from a runc command line: the verb, and for <c>create</c>
/// and <c>run</c> the bundle. It only reads the arguments; they are handed to the real runtime
/// exactly as they came.
/// <para>runc parses flags as Go's flag package does (urfave/cli v1): <c>-name</c> and
/// <c>--name</c> are the same, a value follows as the next argument or after <c>=</c>, a boolean
/// takes a value only after <c>=</c>, <c>--</c> ends the flags, and a command's flags may also come
/// after its positional arguments. So telling a flag's value from the verb needs the list of flags
/// that take a value: a flag the list does not know makes the line <see cref="Understood"/> false.
/// The shim then cannot add its hooks for sure; for a container that asked to be traced it refuses
/// rather than run it untraced (see <see cref="MayCreate"/>, <see cref="GuessedBundle"/>).</para></summary>
internal sealed record RuntimeCommandLine
{
    /// <summary>The runtime whose flags the lists below hold.</summary>
    public const string KnownRuntime = "runc 1.2";

    /// <summary>runc's global flags that take a value (runc 1.1: <c>runc --help</c>).</summary>
    public static readonly IReadOnlySet<string> GlobalValueFlags = new HashSet<string>(StringComparer.Ordinal)
        { "root", "log", "log-format", "criu", "rootless" };

    public static readonly IReadOnlySet<string> GlobalBooleanFlags = new HashSet<string>(StringComparer.Ordinal)
        { "debug", "systemd-cgroup", "help", "h", "version", "v" };

    /// <summary>Flags of <c>runc create</c> and <c>runc run</c> that take a value (runc 1.2 added
    /// <c>--pidfd-socket</c>).</summary>
    public static readonly IReadOnlySet<string> CreateValueFlags = new HashSet<string>(StringComparer.Ordinal)
        { "bundle", "b", "console-socket", "pid-file", "preserve-fds", "pidfd-socket" };

    public static readonly IReadOnlySet<string> CreateBooleanFlags = new HashSet<string>(StringComparer.Ordinal)
        { "no-pivot", "no-new-keyring", "detach", "d", "keep", "no-subreaper", "help", "h" };

    /// <summary>The first argument after the global flags (<c>create</c>, <c>state</c>, ...), or
    /// null when there is none.</summary>
    public string? Verb { get; init; }

    /// <summary>The <c>--bundle</c> of create or run as given; null when not given (runc then uses
    /// its working directory).</summary>
    public string? Bundle { get; init; }

    /// <summary>The container id of create or run.</summary>
    public string? ContainerId { get; init; }

    /// <summary>False when a flag the shim does not know (or a flag missing its value) stands where
    /// it matters: the verb or the bundle could not be told for sure.</summary>
    public bool Understood { get; init; } = true;

    /// <summary>Why <see cref="Understood"/> is false.</summary>
    public string? Problem { get; init; }

    /// <summary>A line not understood that may still create a container: "create" or "run" is
    /// among its arguments.</summary>
    public bool MayCreate { get; init; }

    /// <summary>For a line not understood: the value of the first <c>--bundle</c>/<c>-b</c> anywhere
    /// in it (null: none, so the working directory), to tell whether its container asked to be traced.</summary>
    public string? GuessedBundle { get; init; }

    public bool CreatesContainer => Understood && Verb is "create" or "run";

    public static RuntimeCommandLine Parse(IReadOnlyList<string> args)
    {
        var i = 0;
        // Global flags, up to the verb.
        while (i < args.Count)
        {
            var arg = args[i];
            if (arg == "--")
            {
                i++;
                break;
            }
            if (!IsFlag(arg)) break;
            var (name, hasInlineValue) = FlagName(arg);
            if (GlobalValueFlags.Contains(name))
            {
                if (!hasInlineValue && i + 1 >= args.Count) return NotUnderstood(null, $"global flag '{arg}' has no value", args);
                i += hasInlineValue ? 1 : 2;
            }
            else if (GlobalBooleanFlags.Contains(name)) i++;
            else return NotUnderstood(null, $"unknown global flag '{arg}'", args);
        }
        if (i >= args.Count) return new RuntimeCommandLine();
        var verb = args[i];
        if (verb is not ("create" or "run")) return new RuntimeCommandLine { Verb = verb };
        return ParseCreate(verb, args, i + 1);
    }

    private static RuntimeCommandLine ParseCreate(string verb, IReadOnlyList<string> args, int i)
    {
        string? bundle = null;
        string? id = null;
        var flagsEnded = false;
        for (; i < args.Count; i++)
        {
            var arg = args[i];
            if (flagsEnded || !IsFlag(arg))
            {
                // The first positional argument is the id; runc refuses more, so they change nothing here.
                id ??= arg;
                continue;
            }
            if (arg == "--")
            {
                flagsEnded = true;
                continue;
            }
            var (name, hasInlineValue) = FlagName(arg);
            if (CreateValueFlags.Contains(name))
            {
                string value;
                if (hasInlineValue) value = arg[(arg.IndexOf('=') + 1)..];
                else if (i + 1 < args.Count) value = args[++i];
                else return NotUnderstood(verb, $"flag '{arg}' has no value", args);
                if (name is "bundle" or "b") bundle = value;
            }
            else if (!CreateBooleanFlags.Contains(name)) return NotUnderstood(verb, $"unknown {verb} flag '{arg}'", args);
        }
        return new RuntimeCommandLine { Verb = verb, Bundle = bundle, ContainerId = id };
    }

    private static RuntimeCommandLine NotUnderstood(string? verb, string problem, IReadOnlyList<string> args) =>
        new()
        {
            Verb = verb, Understood = false, Problem = problem,
            MayCreate = verb is "create" or "run" || args.Any(a => a is "create" or "run"), GuessedBundle = GuessBundle(args),
        };

    private static string? GuessBundle(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            if (!IsFlag(args[i])) continue;
            var (name, inline) = FlagName(args[i]);
            if (name is not ("bundle" or "b")) continue;
            if (inline) return args[i][(args[i].IndexOf('=') + 1)..];
            if (i + 1 < args.Count) return args[i + 1];
        }
        return null;
    }

    // Go's flag package: "-" alone is an argument, not a flag.
    private static bool IsFlag(string arg) => arg.Length > 1 && arg[0] == '-';

    private static (string Name, bool HasInlineValue) FlagName(string arg)
    {
        var name = arg.AsSpan(arg.StartsWith("--", StringComparison.Ordinal) ? 2 : 1);
        var eq = name.IndexOf('=');
        return eq < 0 ? (name.ToString(), false) : (name[..eq].ToString(), true);
    }
}
