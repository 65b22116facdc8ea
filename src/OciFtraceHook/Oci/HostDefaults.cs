using System.Globalization;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Oci;

/// <summary>Host-wide settings of the administrator (the package's conffile
/// /etc/oci-ftrace-hook/hook.conf, "key = value" lines, '#' comments): where traces are saved, how
/// much disk saved traces may use there, and the largest buffer a container may ask for. A missing
/// file means the built-in defaults; a bad line is an error naming the file and line.</summary>
internal sealed record HostDefaults
{
    public const string DefaultPath = "/etc/oci-ftrace-hook/hook.conf";

    public string SaveDir { get; init; } = HookSettings.DefaultSaveDir;
    /// <summary>Disk budget of <see cref="SaveDir"/>: the oldest saved traces go first. 0: no limit.</summary>
    public long MaxSavedBytes { get; init; } = 1L << 30;
    public int MaxBufferSizeKb { get; init; } = HookSettings.MaxBufferSizeKb;

    public static HostDefaults Load(string path = DefaultPath)
    {
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
                _ => throw Bad(path, i, $"unknown key '{key}' (known: save-dir, max-saved-mb, max-buffer-size-kb)"),
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

    private static long ParseNumber(string file, int line, string value, long min, long max)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
            throw Bad(file, line, $"expected a whole number from {min} to {max}");
        return n;
    }

    private static HookException Bad(string file, int line, string why) => new($"{file} line {line + 1}: {why}");
}
