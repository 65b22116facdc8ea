namespace OciFtraceHook.Tracing;

/// <summary>The kernel's id of this boot, for what the hook keeps under /run only as long as the
/// kernel that it describes is running (event ids, which probe syntax the kernel takes).</summary>
internal static class BootId
{
    public static string Current()
    {
        try
        {
            return File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }
}
