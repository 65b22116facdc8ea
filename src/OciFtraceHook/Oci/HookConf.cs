using System.Globalization;

namespace OciFtraceHook.Oci;

/// <summary>Host-wide settings of the administrator (the package's conffile
/// /etc/oci-ftrace-hook/hook.conf, "key = value" lines, '#' comments): where traces are saved and
/// which directories an annotation may pick instead, how much disk saved traces may use (in all and
/// per container), the largest buffer a container may ask for, the host-wide caps on traced
/// containers and their ring-buffer memory, and for the runtime shim the real runtime and which
/// containers it traces. A missing file means the built-in defaults; a bad line is an error naming
/// the file and line. The file must be root's: it decides where root writes.</summary>
internal sealed record HookConf
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
    /// <summary>Other directories an annotation (org.ociftracehook.save-dir) may pick; none by default.</summary>
    public IReadOnlyList<string> AllowedSaveDirs { get; init; } = [];
    /// <summary>Disk budget of all save directories together: when it is exceeded, the container
    /// holding the most loses its oldest trace first. 0: no limit.</summary>
    public long MaxSavedBytes { get; init; } = 1L << 30;
    /// <summary>Disk budget of one container id's saved traces (its oldest go first). 0: no limit.</summary>
    public long MaxSavedBytesPerContainer { get; init; } = 256L << 20;
    /// <summary>Disk budget of one tenant's saved traces; null: half of <see cref="MaxSavedBytes"/>. 0: no own limit.</summary>
    public long? MaxSavedBytesPerTenant { get; init; }
    public int MaxBufferSizeKb { get; init; } = HookSettings.MaxBufferSizeKb;
    /// <summary>The runtime the shim hands every command to.</summary>
    public string Runtime { get; init; } = DefaultRuntime;
    /// <summary>Which containers the shim traces: every one it creates (the engine selects the shim
    /// per container), or only those annotated org.ociftracehook.enabled=true.</summary>
    public ShimOptIn ShimOptIn { get; init; } = ShimOptIn.Runtime;

    /// <summary>Cap on the ring-buffer memory of all live instances; null: an eighth of the host's RAM.</summary>
    public long? MaxRingBufferBytes { get; init; }
    /// <summary>How many containers may be traced at once. 0: no limit.</summary>
    public int MaxTracedContainers { get; init; }
    /// <summary>The annotations that name a container's tenant, in order (see <see cref="Tenant"/>).</summary>
    public IReadOnlyList<string> TenantAnnotations { get; init; } = [];
    /// <summary>Ring-buffer memory of one tenant's instances; null: half the host's cap, so one tenant never takes it all. 0: no own cap.</summary>
    public long? MaxRingBufferBytesPerTenant { get; init; }
    /// <summary>One tenant's containers traced at once. 0: no limit.</summary>
    public int MaxTracedContainersPerTenant { get; init; }
    /// <summary>Saves that could not be written to their directory wait under /run (memory) for the
    /// next gc: at most this much of them together. 0: none wait.</summary>
    public long MaxPendingBytes { get; init; } = 64L << 20;

    /// <summary>Every save directory: the host's first, then the allowed ones.</summary>
    public IReadOnlyList<string> SaveDirs => [SaveDir, .. AllowedSaveDirs.Where(d => d != SaveDir)];

    public bool Equals(HookConf? other) =>
        other is not null && SaveDir == other.SaveDir && AllowedSaveDirs.SequenceEqual(other.AllowedSaveDirs)
        && MaxSavedBytes == other.MaxSavedBytes && MaxSavedBytesPerContainer == other.MaxSavedBytesPerContainer
        && MaxBufferSizeKb == other.MaxBufferSizeKb && MaxRingBufferBytes == other.MaxRingBufferBytes
        && MaxTracedContainers == other.MaxTracedContainers && MaxPendingBytes == other.MaxPendingBytes && ConfigPath == other.ConfigPath
        && TenantAnnotations.SequenceEqual(other.TenantAnnotations) && MaxRingBufferBytesPerTenant == other.MaxRingBufferBytesPerTenant
        && MaxTracedContainersPerTenant == other.MaxTracedContainersPerTenant && MaxSavedBytesPerTenant == other.MaxSavedBytesPerTenant
        && Runtime == other.Runtime && ShimOptIn == other.ShimOptIn;

    public override int GetHashCode() => HashCode.Combine(SaveDir, MaxSavedBytes, ConfigPath);

    /// <summary>The file this was read from, passed on to the detached gc.</summary>
    public string? ConfigPath { get; init; }

    public static HookConf Load(string? path = null)
    {
        path ??= ConfiguredPath;
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new HookConf { ConfigPath = path == DefaultPath ? null : path };
        }
        CheckOwner(path);
        var defaults = new HookConf { ConfigPath = path == DefaultPath ? null : path };
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
                "allowed-save-dirs" => defaults with
                {
                    AllowedSaveDirs = value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(v => ParsePath(path, i, v)).Distinct().ToArray(),
                },
                "max-saved-mb" => defaults with { MaxSavedBytes = ParseNumber(path, i, value, 0, 1 << 30) * 1024 * 1024 },
                "max-saved-mb-per-container" => defaults with { MaxSavedBytesPerContainer = ParseNumber(path, i, value, 0, 1 << 30) * 1024 * 1024 },
                "max-saved-mb-per-tenant" => defaults with { MaxSavedBytesPerTenant = ParseNumber(path, i, value, 0, 1 << 30) * 1024 * 1024 },
                "max-buffer-size-kb" => defaults with { MaxBufferSizeKb = (int)ParseNumber(path, i, value, 1, 1 << 20) },
                "max-ring-buffer-mb" => defaults with { MaxRingBufferBytes = ParseNumber(path, i, value, 1, 1 << 30) * 1024 * 1024 },
                "max-traced-containers" => defaults with { MaxTracedContainers = (int)ParseNumber(path, i, value, 0, 1 << 20) },
                "tenant-annotations" => defaults with
                {
                    TenantAnnotations = value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Distinct().ToArray() is { Length: <= 8 } keys
                        && keys.All(k => k.Length <= 253 && k.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/'))
                        ? keys : throw Bad(path, i, "expected up to 8 annotation names (letters, digits, . - _ /), space-separated"),
                },
                "max-ring-buffer-mb-per-tenant" => defaults with { MaxRingBufferBytesPerTenant = ParseNumber(path, i, value, 0, 1 << 30) * 1024 * 1024 },
                "max-traced-containers-per-tenant" => defaults with { MaxTracedContainersPerTenant = (int)ParseNumber(path, i, value, 0, 1 << 20) },
                "max-pending-mb" => defaults with { MaxPendingBytes = ParseNumber(path, i, value, 0, 1 << 20) * 1024 * 1024 },
                "runtime" => defaults with { Runtime = ParseRuntime(path, i, value) },
                "shim-opt-in" => defaults with { ShimOptIn = value switch
                {
                    "runtime" => ShimOptIn.Runtime,
                    "annotation" => ShimOptIn.Annotation,
                    _ => throw Bad(path, i, "expected runtime or annotation"),
                } },
                _ => throw Bad(path, i, $"unknown key '{key}' (known: {string.Join(", ", Keys)})"),
            };
        }
        return defaults;
    }

    public static readonly string[] Keys =
    [
        "save-dir", "allowed-save-dirs", "max-saved-mb", "max-saved-mb-per-container", "max-saved-mb-per-tenant", "max-buffer-size-kb",
        "max-ring-buffer-mb", "max-traced-containers", "tenant-annotations", "max-ring-buffer-mb-per-tenant",
        "max-traced-containers-per-tenant", "max-pending-mb", "runtime", "shim-opt-in",
    ];

    /// <summary>The settings decide where root writes: a file someone else may change is refused.</summary>
    private static void CheckOwner(string path)
    {
        Interop.PathStatus? st;
        try
        {
            st = Interop.LStat(path);
        }
        catch (SyscallException)
        {
            return; // unreadable: reading it says why
        }
        if (st is null) return;
        var owner = Interop.EffectiveUid;
        if (!st.IsRegularFile)
            throw new HookException($"{path}: refused: not a regular file (a symlink?)");
        if ((st.Uid != 0 && st.Uid != owner) || (st.Permissions & 0x12 /* 022 */) != 0)
            throw new HookException($"{path}: refused: it must be owned by root and writable by no one else");
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
