using OciFtraceHook.Tables;

namespace OciFtraceHook.HostFiles;

/// <summary>What the running kernel says of itself, read in one place: /proc/sys/kernel, as uname(2)
/// reports it.</summary>
internal static class HostKernel
{
    /// <summary>The kernel's release ("6.12.48+deb13-amd64"); .NET's reading of it when /proc cannot
    /// be read (it drops the suffix).</summary>
    public static string Release() => Read("osrelease") ?? Environment.OSVersion.Version.ToString();

    /// <summary>"Linux RELEASE VERSION MACHINE", as trace-cmd's uname option holds it, for the
    /// architecture this binary runs on.</summary>
    public static string Uname() =>
        $"{Read("ostype") ?? "?"} {Read("osrelease") ?? "?"} {Read("version") ?? "?"} {(TraceArchNames.Host == TraceArch.Arm64 ? "aarch64" : "x86_64")}";

    private static string? Read(string name)
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/" + name).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
