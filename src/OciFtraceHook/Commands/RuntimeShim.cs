using System.Text;
using OciFtraceHook.Oci;

namespace OciFtraceHook.Commands;

/// <summary>The runtime shim: what Docker or containerd run in place of runc, under the name
/// <c>oci-ftrace-runc</c> (a link to the hook's binary). For <c>create</c> and <c>run</c> of a
/// container that opts in it adds the hook's prestart and poststop entries to the bundle's
/// config.json; then, for every command, it replaces itself (execv: same PID, descriptors,
/// environment) with the real runtime, with the arguments exactly as it got them. It never fails a
/// command the real runtime would run: when config.json cannot be used it says so in one line on
/// stderr and hands it over unchanged, for the runtime to report.</summary>
internal static class RuntimeShim
{
    public const string Name = "oci-ftrace-runc";

    /// <summary>runc's exit status for any failure of its own.</summary>
    public const int RuntimeFailure = 1;

    public const int PrestartTimeoutSeconds = 10;
    public const int PoststopTimeoutSeconds = 60;

    public static bool IsInvokedAs(string? argv0) => argv0 is not null && Path.GetFileName(argv0) == Name;

    public static int Run(string[] args)
    {
        HookConf host;
        try
        {
            host = HookConf.Load();
        }
        catch (Exception e) when (e is HookException or IOException or UnauthorizedAccessException)
        {
            Say($"error: {e.Message}");
            return RuntimeFailure;
        }
        // The hook is this very binary: its path goes into config.json.
        var self = Environment.ProcessPath;
        if (self is not null && IsSelf(host.Runtime, self))
        {
            Say($"error: the runtime in {HookConf.ConfiguredPath} is {host.Runtime}, this shim itself; name the real runtime (runtime = /usr/sbin/runc)");
            return RuntimeFailure;
        }
        var line = RuntimeCommandLine.Parse(args);
        if (line.Verb is "create" or "run" || line.MayCreate)
        {
            if (self is null) Say($"warning: cannot tell this program's own path; the container is handed to {host.Runtime} untraced");
            else
            {
                try
                {
                    AddHooksIfOptedIn(line, host, self);
                }
                catch (ShimRefusedException e)
                {
                    Say($"error: {e.Message}");
                    return RuntimeFailure;
                }
            }
        }

        var error = Interop.Exec(host.Runtime, OwnArguments(args));
        Say($"error: cannot run the runtime: {error.Message}");
        return RuntimeFailure;
    }

    /// <summary>The hook entries the shim adds, with an environment of their own, as the hooks.d
    /// entries have (a runtime runs hooks with only the environment the entry names).</summary>
    public static (HookEntry Prestart, HookEntry Poststop) Entries(string hookPath)
    {
        var env = new List<string>
        {
            "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            "OCI_FTRACE_HOOK_LOG=" + (Environment.GetEnvironmentVariable("OCI_FTRACE_HOOK_LOG") is { Length: > 0 } level ? level : "info"),
        };
        if (Environment.GetEnvironmentVariable(HookConf.PathVariable) is { Length: > 0 } conf)
            env.Add($"{HookConf.PathVariable}={conf}");
        return (
            new HookEntry { Path = hookPath, Args = ["oci-ftrace-hook", "prestart"], Env = [.. env], Timeout = PrestartTimeoutSeconds },
            new HookEntry { Path = hookPath, Args = ["oci-ftrace-hook", "poststop"], Env = [.. env], Timeout = PoststopTimeoutSeconds });
    }

    /// <summary>What the shim does to a bundle: adds the hooks when the container opts in. Returns
    /// whether config.json was rewritten; a warning line says why a container that could not be
    /// read is handed over unchanged.</summary>
    public static bool AddHooksIfOptedIn(RuntimeCommandLine line, HookConf host, string hookPath, Action<string>? warn = null)
    {
        warn ??= message => Say("warning: " + message);
        if (!line.Understood)
        {
            // Fails closed: a container that asked to be traced is not run untraced because the
            // shim cannot read its command line for sure (a flag of a newer runtime, say).
            if (OptedIn(line.GuessedBundle, host) == true)
                throw new ShimRefusedException($"{line.Problem}: refused, as this container asks to be traced and the shim cannot tell " +
                                               $"its bundle for sure from this command line (it knows {RuntimeCommandLine.KnownRuntime}'s flags); " +
                                               "update oci-ftrace-hook, or start the container without that flag");
            warn($"{line.Problem}: the container is handed to {host.Runtime} untraced");
            return false;
        }
        var bundle = Path.GetFullPath(string.IsNullOrEmpty(line.Bundle) ? "." : line.Bundle);
        var path = BundleConfigFile.PathIn(bundle);
        try
        {
            var bytes = BundleConfigFile.Read(bundle);
            using var document = ConfigHooks.Parse(bytes);
            var config = document.RootElement;
            var enabled = ConfigHooks.Annotation(config, HookSettings.EnabledKey);
            if (enabled == "false" || (host.ShimOptIn == ShimOptIn.Annotation && enabled != "true")) return false;
            if (PodSandbox.Is(key => ConfigHooks.Annotation(config, key))) return false;
            if (ConfigHooks.NamesHook(config, hookPath)) return false;
            var (prestart, poststop) = Entries(hookPath);
            BundleConfigFile.Replace(bundle, ConfigHooks.Append(config, prestart, poststop));
            return true;
        }
        catch (Exception e) when (e is HookException or InvalidDataException)
        {
            var why = e is InvalidDataException ? $"{path} is {e.Message}" : e.Message;
            warn($"{why}; handed to {host.Runtime} unchanged, untraced");
            return false;
        }
    }

    /// <summary>Whether the bundle's container asks to be traced under hook.conf's opt-in; null when
    /// its config.json cannot be read.</summary>
    private static bool? OptedIn(string? bundleArg, HookConf host)
    {
        try
        {
            var bundle = Path.GetFullPath(string.IsNullOrEmpty(bundleArg) ? "." : bundleArg);
            using var document = ConfigHooks.Parse(BundleConfigFile.Read(bundle));
            var enabled = ConfigHooks.Annotation(document.RootElement, HookSettings.EnabledKey);
            return enabled != "false" && (host.ShimOptIn != ShimOptIn.Annotation || enabled == "true")
                && !PodSandbox.Is(key => ConfigHooks.Annotation(document.RootElement, key));
        }
        catch (Exception e) when (e is HookException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>argv[1..] as the kernel holds them (each ending in NUL), so the runtime gets the very
    /// bytes the engine passed, whatever their encoding.</summary>
    private static byte[] OwnArguments(string[] args)
    {
        try
        {
            var cmdline = File.ReadAllBytes("/proc/self/cmdline");
            var end = Array.IndexOf(cmdline, (byte)0);
            if (end >= 0) return cmdline[(end + 1)..];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc: the decoded arguments are the same bytes for every valid UTF-8 argument.
        }
        var bytes = new List<byte>();
        foreach (var arg in args)
        {
            bytes.AddRange(Encoding.UTF8.GetBytes(arg));
            bytes.Add(0);
        }
        return [.. bytes];
    }

    private static bool IsSelf(string runtime, string self)
    {
        try
        {
            var target = File.ResolveLinkTarget(runtime, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(runtime);
            return target == self;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>One line on stderr, written directly: Console would set up the terminal when stderr
    /// is the container's, and the shim must not touch what it hands over.</summary>
    private static void Say(string message)
    {
        var line = $"{Name}: {message.ReplaceLineEndings(" ")}\n";
        Interop.WriteAll(Interop.StandardError, Encoding.UTF8.GetBytes(line));
    }
}

/// <summary>The shim will not hand this container over: it would run untraced although it asked to be traced.</summary>
internal sealed class ShimRefusedException(string message) : HookException(message);
