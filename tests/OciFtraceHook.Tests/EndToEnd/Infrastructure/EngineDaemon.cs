using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>An engine's daemon the tests start themselves (dockerd, a private containerd): its
/// output kept for a failure's message, stopped with SIGTERM (killed after 30 s).</summary>
internal sealed class EngineDaemon
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private EngineDaemon(Process process) => _process = process;

    /// <param name="hookConf">hook.conf for the hook: an engine's environment reaches the runtime
    /// and the shims it starts, and the shim passes it on to the hook.</param>
    public static EngineDaemon Start(string program, IEnumerable<string> arguments, string hookConf)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment["OCI_FTRACE_HOOK_CONF"] = hookConf;
        var daemon = new EngineDaemon(Process.Start(info)!);
        daemon._process.StandardInput.Close();
        daemon._process.OutputDataReceived += (_, e) => daemon.Append(e.Data);
        daemon._process.ErrorDataReceived += (_, e) => daemon.Append(e.Data);
        daemon._process.BeginOutputReadLine();
        daemon._process.BeginErrorReadLine();
        return daemon;
    }

    public bool HasExited => _process.HasExited;

    public string LogTail(int lines)
    {
        lock (_log)
        {
            return string.Join(" | ", _log.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).TakeLast(lines));
        }
    }

    /// <summary>SIGTERM, as an init system stops it, and a kill when it does not end in 30 s.</summary>
    public void Stop()
    {
        if (!_process.HasExited)
        {
            ProcessRunner.Run("/bin/kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) _process.Kill(entireProcessTree: true);
        }
        _process.WaitForExit();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
    }
}
