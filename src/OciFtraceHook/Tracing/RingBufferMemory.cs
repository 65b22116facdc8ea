using System.Globalization;

namespace OciFtraceHook.Tracing;

/// <summary>What an instance's ring buffer costs the host. The kernel allocates it per online CPU,
/// outside any container's cgroup: the memory is charged to the host, not to the container that
/// asked for it, which is why hook.conf caps the sum over all instances.</summary>
internal static class RingBufferMemory
{
    /// <summary>A new instance's buffer per CPU when no size is asked for (the kernel's default, 1408 KiB).</summary>
    public const int DefaultKbPerCpu = 1408;

    public static long BytesFor(int? kbPerCpu, int cpus) => (long)(kbPerCpu ?? DefaultKbPerCpu) * 1024 * cpus;

    /// <summary>CPUs online ("0-3,6"), where the kernel gives each instance a buffer.</summary>
    public static int OnlineCpus(string online = "/sys/devices/system/cpu/online")
    {
        try
        {
            return CountCpus(File.ReadAllText(online));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return Environment.ProcessorCount;
        }
    }

    internal static int CountCpus(string list)
    {
        var count = 0;
        foreach (var range in list.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var dash = range.IndexOf('-');
            count += dash < 0 ? 1 : int.Parse(range[(dash + 1)..], CultureInfo.InvariantCulture) - int.Parse(range[..dash], CultureInfo.InvariantCulture) + 1;
        }
        return Math.Max(count, 1);
    }

    /// <summary>The default cap of all instances together: an eighth of the host's RAM.</summary>
    public static long DefaultCap(string meminfo = "/proc/meminfo")
    {
        try
        {
            foreach (var line in File.ReadLines(meminfo))
            {
                // "MemTotal:        8123456 kB"
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                var kb = long.Parse(line["MemTotal:".Length..].Replace("kB", "").Trim(), CultureInfo.InvariantCulture);
                return kb * 1024 / 8;
            }
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
        }
        return 1L << 30;
    }
}
