using System.Text.Json;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Export;

/// <summary>A seccomp profile in the OCI runtime-spec <c>linux.seccomp</c> form (which
/// <c>podman run --security-opt seccomp=FILE</c> also reads): refuse by default with an errno,
/// allow exactly the syscalls the traces show, by their kernel names (not ftrace's event names),
/// plus those the runtime itself makes after it loaded the filter.</summary>
internal static class SeccompProfile
{
    private static readonly Lazy<Dictionary<string, string[]>> RuntimeCalls = new(() =>
        TableFile.Rows("seccomp-runtime.tsv").ToDictionary(row => row[0], row => row[1].Split(','), StringComparer.Ordinal));

    public static IReadOnlyCollection<string> Runtimes => RuntimeCalls.Value.Keys;

    /// <summary>The allowed syscall names, sorted: the traced events' syscalls and the runtime's,
    /// each only if the architecture has it.</summary>
    public static SortedSet<string> AllowedNames(IEnumerable<string> events, TraceArch arch, string? runtime)
    {
        var table = SyscallTable.For(arch);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var ev in events)
        {
            var name = table.NameOf(ev);
            if (table.NumberOf(name) is not null) names.Add(name);
        }
        if (runtime is not null)
        {
            if (!RuntimeCalls.Value.TryGetValue(runtime, out var extra))
                throw new UsageException($"seccomp: unknown runtime '{runtime}' (known: {string.Join(", ", Runtimes)}, none)");
            foreach (var name in extra)
            {
                if (table.NumberOf(name) is not null) names.Add(name);
            }
        }
        return names;
    }

    public static void Write(Stream output, SortedSet<string> allowed, TraceArch arch, int errno)
    {
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("defaultAction", "SCMP_ACT_ERRNO");
        json.WriteNumber("defaultErrnoRet", errno);
        json.WriteStartArray("architectures");
        json.WriteStringValue(arch == TraceArch.Arm64 ? "SCMP_ARCH_AARCH64" : "SCMP_ARCH_X86_64");
        json.WriteEndArray();
        json.WriteStartArray("syscalls");
        json.WriteStartObject();
        json.WriteStartArray("names");
        foreach (var name in allowed) json.WriteStringValue(name);
        json.WriteEndArray();
        json.WriteString("action", "SCMP_ACT_ALLOW");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.Flush();
        output.Write("\n"u8);
    }
}
