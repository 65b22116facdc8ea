using System.Globalization;

namespace OciFtraceHook.Oci;

/// <summary>What a container asks of the hook, from its annotations (all under one
/// reverse-DNS prefix). The values come from the container's owner: each is checked, and a bad
/// one is an error, never a silent default.</summary>
internal sealed record HookSettings
{
    public const string Prefix = "org.ociftracehook.";
    public const string EnabledKey = Prefix + "enabled";
    public const string SyscallsKey = Prefix + "syscalls";
    public const string BufferSizeKey = Prefix + "buffer-size-kb";
    public const string OverwriteKey = Prefix + "overwrite";
    public const string IncludeRuntimeSetupKey = Prefix + "include-runtime-setup";
    public const string MountPathKey = Prefix + "mount-path";
    public const string SaveDirKey = Prefix + "save-dir";
    public const string OnFailureKey = Prefix + "on-failure";
    public const string PathsKey = Prefix + "paths";
    public const string StopAfterKey = Prefix + "stop-after";
    public const string WriteBuffersKey = Prefix + "write-buffers";

    public static readonly string[] Keys =
        [EnabledKey, SyscallsKey, BufferSizeKey, OverwriteKey, IncludeRuntimeSetupKey, MountPathKey, SaveDirKey, OnFailureKey, PathsKey, StopAfterKey, WriteBuffersKey];

    /// <summary>Per CPU, unless hook.conf says otherwise. Keeps one container from pinning a large
    /// share of host memory.</summary>
    public const int MaxBufferSizeKb = 65536;
    public const string DefaultMountPath = "/sys/kernel/tracing";
    public const string DefaultSaveDir = "/var/lib/oci-ftrace-hook/traces";
    private const int MaxSyscalls = 512;

    public bool Enabled { get; init; } = true;
    /// <summary>Syscall names (as in events/syscalls/sys_enter_NAME); null means all of them.</summary>
    public IReadOnlyList<string>? Syscalls { get; init; }
    /// <summary>KiB per CPU; null keeps the kernel's default for a new instance (about 1.4 MiB),
    /// which costs nothing, where resizing costs ~14 ms on the container's start.</summary>
    public int? BufferSizeKb { get; init; }
    public bool Overwrite { get; init; } = true;
    public bool IncludeRuntimeSetup { get; init; }
    public string MountPath { get; init; } = DefaultMountPath;
    public string SaveDir { get; init; } = DefaultSaveDir;
    /// <summary>What a tracing failure at prestart does: by default the container is refused (its
    /// owner asked for tracing); "warn" lets it start untraced with a warning.</summary>
    public FailurePolicy OnFailure { get; init; } = FailurePolicy.Refuse;
    /// <summary>Whether the path arguments of file syscalls are recorded as strings (see PathsSetting).</summary>
    public PathsSetting Paths { get; init; } = PathsSetting.Auto;
    /// <summary>How long the container records before its events go off (it keeps the trace it
    /// has, and stops taxing every syscall on the host); null records until it ends.</summary>
    public TimeSpan? StopAfter { get; init; }
    /// <summary>From 6.19 the kernel copies bytes of the buffers syscalls pass (write's data,
    /// setxattr's value...) into the trace, up to an instance's syscall_user_buf_size per argument.
    /// They may hold secrets: 0 (the default) keeps them out; null leaves the kernel's size (63
    /// unless the host changed it); N asks for up to N bytes (1 to 165, the kernel's maximum).</summary>
    public int? WriteBufferBytes { get; init; } = 0;

    /// <summary>The kernel's largest syscall_user_buf_size.</summary>
    public const int MaxWriteBufferBytes = 165;

    /// <summary>stop-after=full: the events go off once the ring buffer first fills. The buffer then
    /// keeps its oldest events (overwrite off), so the trace kept is the one from the start.</summary>
    public bool StopWhenFull { get; init; }

    /// <summary>The stop-after value that stops recording when the buffer first fills.</summary>
    public const string StopWhenFullValue = "full";

    /// <param name="host">The administrator's defaults and caps (hook.conf); built-in ones when null.</param>
    public static HookSettings FromAnnotations(IReadOnlyDictionary<string, string>? annotations, HookConf? host = null)
    {
        host ??= new HookConf();
        var settings = new HookSettings { SaveDir = host.SaveDir };
        if (annotations is null) return settings;
        bool? overwriteAsked = null;
        foreach (var (key, value) in annotations)
        {
            if (!key.StartsWith(Prefix, StringComparison.Ordinal)) continue;
            settings = key switch
            {
                EnabledKey => settings with { Enabled = ParseBool(key, value) },
                SyscallsKey => settings with { Syscalls = ParseSyscalls(value) },
                BufferSizeKey => settings with { BufferSizeKb = ParseBufferSize(value, host.MaxBufferSizeKb) },
                OverwriteKey => settings with { Overwrite = (overwriteAsked = ParseBool(key, value)).Value },
                IncludeRuntimeSetupKey => settings with { IncludeRuntimeSetup = ParseBool(key, value) },
                MountPathKey => settings with { MountPath = ParseMountPath(value) },
                SaveDirKey => settings with { SaveDir = ParseAbsolutePath(key, value, allowRoot: false) },
                OnFailureKey => settings with { OnFailure = ParseFailurePolicy(value) },
                PathsKey => settings with { Paths = PathsSettings.Parse(value) ?? throw Bad(key, value, "expected auto, on or off") },
                StopAfterKey when value == StopWhenFullValue => settings with { StopWhenFull = true },
                StopAfterKey => settings with { StopAfter = ParseDuration(StopAfterKey, value) },
                WriteBuffersKey => settings with { WriteBufferBytes = ParseWriteBuffers(value) },
                _ => throw Bad(key, value, $"unknown setting; known: {string.Join(", ", Keys)}"),
            };
        }
        if (!settings.StopWhenFull) return settings;
        // Overwriting would trade the start of the trace for its end before the fill is noticed.
        if (overwriteAsked == true)
            throw Bad(OverwriteKey, "true", $"contradicts {StopAfterKey}={StopWhenFullValue}, which keeps the trace from the start (the oldest events)");
        return settings with { Overwrite = false };
    }

    private static bool ParseBool(string key, string value) => value switch
    {
        "true" => true,
        "false" => false,
        _ => throw Bad(key, value, "expected true or false"),
    };

    private static FailurePolicy ParseFailurePolicy(string value) => value switch
    {
        "refuse" => FailurePolicy.Refuse,
        "warn" => FailurePolicy.Warn,
        _ => throw Bad(OnFailureKey, value, "expected refuse or warn"),
    };

    private static IReadOnlyList<string>? ParseSyscalls(string value)
    {
        if (value == "all") return null;
        var names = value.Split(',', StringSplitOptions.TrimEntries);
        if (names.Length > MaxSyscalls) throw Bad(SyscallsKey, value, $"more than {MaxSyscalls} names");
        foreach (var name in names)
        {
            if (name.Length is 0 or > 40 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
                throw Bad(SyscallsKey, value, $"'{Shorten(name)}' is not a syscall name (expected e.g. openat,read,write or all)");
        }
        return names.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>"90s", "5m", "2h" or plain seconds; from 1 s to a day.</summary>
    internal static TimeSpan ParseDuration(string key, string value)
    {
        var unit = value.Length > 0 ? value[^1] : ' ';
        var (digits, scale) = unit switch
        {
            's' => (value[..^1], 1),
            'm' => (value[..^1], 60),
            'h' => (value[..^1], 3600),
            _ => (value, 1),
        };
        if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || (long)n * scale > 86400)
            throw Bad(key, value, $"expected a duration from 1s to 24h, like 30s, 5m or 2h, or {StopWhenFullValue}");
        return TimeSpan.FromSeconds((long)n * scale);
    }

    private static int? ParseWriteBuffers(string value)
    {
        if (value == "off") return 0;
        if (value == "on") return null;
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) || bytes < 1 || bytes > MaxWriteBufferBytes)
            throw Bad(WriteBuffersKey, value, $"expected off, on, or a number of bytes from 1 to {MaxWriteBufferBytes}");
        return bytes;
    }

    private static int ParseBufferSize(string value, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) || kb < 1 || kb > max)
            throw Bad(BufferSizeKey, value, $"expected a whole number of KiB per CPU from 1 to {max}");
        return kb;
    }

    /// <summary>The tracefs places a program looks in, kept as they are.</summary>
    public static readonly string[] TraceFsMountPaths = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];

    /// <summary>Where the trace files may be shown: the places programs look for tracefs, or a
    /// directory on the container's root file system. Never under /proc, /dev or /sys, where the
    /// mounts are the kernel's (and a tmpfs over /proc/... hides what runtimes rely on). Volumes are
    /// refused later, against config.json's mounts and the mount found at the path.</summary>
    private static string ParseMountPath(string value)
    {
        var path = ParseAbsolutePath(MountPathKey, value, allowRoot: false);
        if (TraceFsMountPaths.Contains(path)) return path;
        foreach (var kernelTree in new[] { "/proc", "/dev", "/sys" })
        {
            if (path == kernelTree || path.StartsWith(kernelTree + "/", StringComparison.Ordinal))
                throw Bad(MountPathKey, value, $"not a safe place for the trace files; allowed: {string.Join(", ", TraceFsMountPaths)}, " +
                    "or a directory on the container's root file system (never under /proc, /dev or /sys, nor in a volume)");
        }
        return path;
    }

    /// <summary>An absolute, already normal path: no "..", ".", empty components or control characters.</summary>
    internal static string ParseAbsolutePath(string key, string value, bool allowRoot)
    {
        if (value.Length is 0 or > 256) throw Bad(key, value, "expected an absolute path of at most 256 characters");
        if (value[0] != '/') throw Bad(key, value, "expected an absolute path");
        if (value.Any(char.IsControl)) throw Bad(key, value, "control characters are not allowed in a path");
        var trimmed = value.Length > 1 ? value.TrimEnd('/') : value;
        if (trimmed.Length == 0) trimmed = "/";
        if (trimmed == "/" && !allowRoot) throw Bad(key, value, "the root directory is not allowed");
        foreach (var part in trimmed.Split('/').Skip(1))
        {
            if (part is "" or "." or "..") throw Bad(key, value, "empty, '.' and '..' path components are not allowed");
        }
        return trimmed;
    }

    private static HookException Bad(string key, string value, string why) =>
        new($"annotation {key}={Shorten(value)}: {why}");

    private static string Shorten(string value) => value.Length <= 64 ? value : value[..64] + "...";
}

internal enum FailurePolicy
{
    Refuse,
    Warn,
}
