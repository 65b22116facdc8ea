using OciFtraceHook.Tracing;

namespace OciFtraceHook.SavedTraces;

/// <summary>A saved trace's extension says its format: `.dat` for trace-cmd's trace.dat, `.txt` for
/// the kernel's text (kernels without raw pages). Traces saved by earlier versions end in `.trace`
/// whatever their format; they are still found, and readers tell formats by their first bytes.</summary>
internal static class SavedTraceNames
{
    public const string TraceDat = ".dat";
    public const string Text = ".txt";
    public const string Earlier = ".trace";

    public static readonly string[] Extensions = [TraceDat, Text, Earlier];

    /// <summary>The files in <paramref name="dir"/> named <paramref name="stem"/> (by default, any
    /// name of an instance of ours) + an extension of a saved trace: the extensions are common ones,
    /// and nothing else in a save directory is the hook's to count or remove.</summary>
    public static IEnumerable<FileInfo> In(DirectoryInfo dir, string? stem = null) =>
        dir.EnumerateFiles(stem ?? InstanceName.Prefix + "*").Where(file => HasExtension(file.Name));

    /// <summary>The same by name only, nothing asked of the files themselves (the budget stats each
    /// once, without following a link).</summary>
    public static IEnumerable<string> NamesIn(string dir) =>
        Directory.EnumerateFiles(dir, InstanceName.Prefix + "*").Select(path => Path.GetFileName(path)).Where(HasExtension);

    private static bool HasExtension(string name) => Extensions.Any(extension => name.EndsWith(extension, StringComparison.Ordinal));

    /// <summary>How the files of a container are looked for, to say so when none is found.</summary>
    public static string Pattern(string stem) => $"{stem}{{{string.Join(',', Extensions)}}}";
}
