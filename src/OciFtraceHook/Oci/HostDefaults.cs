using System.Globalization;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Oci;

/// <summary>Host-wide settings of the administrator (the package's conffile
/// /etc/oci-ftrace-hook/hook.conf, "key = value" lines, '#' comments): where traces are saved, how
/// much disk saved traces may use there, the largest buffer a container may ask for, and for the
/// runtime shim the real runtime and which containers it traces. A missing file means the built-in
/// defaults; a bad line is an error naming the file and line.</summary>
internal sealed record HostDefaults
{
    public const string DefaultPath = "/etc/oci-ftrace-hook/hook.conf";

    /// <summary>Names another hook.conf (an engine's environment reaches the shim, which passes it on
    /// to the hooks it adds).</summary>
    public const string PathVariable = "OCI_FTRACE_HOOK_CONF";

    public const string DefaultRuntime = "/usr/sbin/runc";

    /// <summary>hook.conf as named by <see cref="PathVariable"/>, else <see cref="DefaultPath"/>.</summary>
    public static string ConfiguredPath =>
        Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } path ? path : DefaultPath;

    public string SaveDir { get; init; } = HookSettings.DefaultSaveDir;
    /// <summary>Disk budget of <see cref="SaveDir"/>: the oldest saved traces go first. 0: no limit.</summary>
    public long MaxSavedBytes { get; init; } = 1L << 30;
    public int MaxBufferSizeKb { get; init; } = HookSettings.MaxBufferSizeKb;
    /// <summary>The runtime the shim hands every command to.</summary>
    public string Runtime { get; init; } = DefaultRuntime;
    /// <summary>Which containers the shim traces: every one it creates (the engine selects the shim
    /// per container), or only those annotated org.ociftracehook.enabled=true.</summary>
    public ShimOptIn ShimOptIn { get; init; } = ShimOptIn.Runtime;

    public static HostDefaults Load(string? path = null)
    {
        path ??= ConfiguredPath;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new HostDefaults();
        }
        var defaults = new HostDefaults();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var eq = line.IndexOf('=');
            if (eq < 0) throw Bad(path, i, "expected key = value");
            var key = line[..eq].Trim();
            var value = line[(eq + 1)..].Trim();
            defaults = key switch
            {
                "save-dir" => defaults with { SaveDir = ParsePath(path, i, value) },
                "max-saved-mb" => defaults with { MaxSavedBytes = ParseNumber(path, i, value, 0, 1 << 30) * 1024 * 1024 },
                "max-buffer-size-kb" => defaults with { MaxBufferSizeKb = (int)ParseNumber(path, i, value, 1, 1 << 20) },
                "runtime" => defaults with { Runtime = ParseRuntime(path, i, value) },
                "shim-opt-in" => defaults with { ShimOptIn = value switch
                {
                    "runtime" => ShimOptIn.Runtime,
                    "annotation" => ShimOptIn.Annotation,
                    _ => throw Bad(path, i, "expected runtime or annotation"),
                } },
                _ => throw Bad(path, i, $"unknown key '{key}' (known: save-dir, max-saved-mb, max-buffer-size-kb, runtime, shim-opt-in)"),
            };
        }
        return defaults;
    }

    private static string ParsePath(string file, int line, string value)
    {
        try
        {
            return HookSettings.ParseAbsolutePath("save-dir", value, allowRoot: false);
        }
        catch (HookException e)
        {
            throw Bad(file, line, e.Message);
        }
    }

    private static string ParseRuntime(string file, int line, string value)
    {
        if (!Path.IsPathRooted(value) || value.Contains('\0')) throw Bad(file, line, "runtime: expected an absolute path");
        return value;
    }

    private static long ParseNumber(string file, int line, string value, long min, long max)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw Bad(file, line, $"expected a whole number from {min} to {max}");
        return n;
    }

    private static HookException Bad(string file, int line, string why) => new($"{file} line {line + 1}: {why}");
}

/// <summary>hook.conf <c>shim-opt-in</c>.</summary>
internal enum ShimOptIn
{
    /// <summary>Every container the shim creates, unless annotated org.ociftracehook.enabled=false.</summary>
    Runtime,
    /// <summary>Only containers annotated org.ociftracehook.enabled=true.</summary>
    Annotation,
}
