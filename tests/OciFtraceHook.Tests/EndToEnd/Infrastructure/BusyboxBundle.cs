using System.Text.Json.Nodes;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>An OCI bundle with a static busybox rootfs, made by the test: config.json comes from
/// `runc spec` and is then edited (program, user, annotations, hooks).</summary>
internal sealed class BusyboxBundle : IDisposable
{
    private static readonly string[] Applets =
        ["sh", "cat", "echo", "ls", "grep", "head", "tail", "wc", "touch", "mkdir", "mount", "id", "sleep", "true", "stat", "dd", "seq"];

    public string Dir { get; }
    public string Rootfs => Path.Combine(Dir, "rootfs");
    public string SaveDir => Path.Combine(Dir, "saved-traces");
    /// <summary>The host settings the hook gets for this bundle (--config): its save directory is
    /// the bundle's own, so a test never writes into the host's.</summary>
    public string ConfigPath => Path.Combine(Dir, "hook.conf");
    public JsonObject Config { get; }

    private BusyboxBundle(string dir, JsonObject config)
    {
        Dir = dir;
        Config = config;
    }

    public static BusyboxBundle Create(string name)
    {
        var dir = Path.Combine(TestHost.TempRoot, $"{name}-{Guid.NewGuid():N}"[..Math.Min(name.Length + 9, 60)]);
        var bin = Path.Combine(dir, "rootfs", "bin");
        Directory.CreateDirectory(bin);
        foreach (var sub in new[] { "proc", "sys", "dev", "tmp", "etc" }) Directory.CreateDirectory(Path.Combine(dir, "rootfs", sub));
        File.Copy(HostRequirements.BusyboxPath, Path.Combine(bin, "busybox"));
        foreach (var applet in Applets) File.CreateSymbolicLink(Path.Combine(bin, applet), "busybox");
        File.WriteAllText(Path.Combine(dir, "rootfs", "etc", "probe.txt"), "probe\n");

        var spec = ProcessRunner.Run(HostRequirements.FindRunc()!, ["spec"], workingDirectory: dir);
        if (spec.ExitCode != 0) throw new InvalidOperationException($"runc spec failed:\n{spec}");
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        config["process"]!["terminal"] = false;
        var bundle = new BusyboxBundle(dir, config);
        Directory.CreateDirectory(bundle.SaveDir);
        bundle.HostConfig("");
        return bundle;
    }

    /// <summary>Writes the bundle's hook.conf: its save directory, then <paramref name="moreLines"/>.</summary>
    public BusyboxBundle HostConfig(string moreLines)
    {
        File.WriteAllText(ConfigPath, $"save-dir = {SaveDir}\n{moreLines}");
        return this;
    }

    public BusyboxBundle Script(string shellScript)
    {
        Config["process"]!["args"] = new JsonArray("sh", "-c", shellScript);
        return this;
    }

    public BusyboxBundle Annotate(string key, string value)
    {
        var annotations = Config["annotations"] as JsonObject ?? new JsonObject();
        annotations[key] = value;
        Config["annotations"] = annotations;
        return this;
    }

    public BusyboxBundle User(uint uid, uint gid)
    {
        Config["process"]!["user"] = new JsonObject { ["uid"] = uid, ["gid"] = gid };
        return this;
    }

    /// <summary>Names the hook as prestart and poststop, as the README's config.json snippet does.</summary>
    public BusyboxBundle WithHook(string hookPath, IReadOnlyDictionary<string, string>? environment = null)
    {
        JsonObject Hook(string stage)
        {
            var hook = new JsonObject { ["path"] = hookPath, ["args"] = new JsonArray("oci-ftrace-hook", stage, "--config", ConfigPath) };
            if (environment is not null)
                hook["env"] = new JsonArray(environment.Select(e => (JsonNode)JsonValue.Create($"{e.Key}={e.Value}")).ToArray());
            return hook;
        }
        Config["hooks"] = new JsonObject
        {
            ["prestart"] = new JsonArray(Hook("prestart")),
            ["poststop"] = new JsonArray(Hook("poststop")),
        };
        return this;
    }

    public void Save() => File.WriteAllText(Path.Combine(Dir, "config.json"), Config.ToJsonString());

    /// <summary>The bundle's saved traces, once the saves poststops handed on are done: all of them,
    /// since an engine (podman) runs the container from a bundle of its own, not this directory.</summary>
    public string[] SavedTraces()
    {
        PendingSaves.WaitFor();
        // Named by format: .dat for a trace.dat, .txt for text.
        return Directory.Exists(SaveDir)
            ? Directory.GetFiles(SaveDir).Where(f => f.EndsWith(".dat", StringComparison.Ordinal) || f.EndsWith(".txt", StringComparison.Ordinal)).ToArray()
            : [];
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
