using System.Text;
using Microsoft.Win32.SafeHandles;
using OciFtraceHook.Tracing;

namespace OciFtraceHook.SavedTraces;

/// <summary>Whose a saved trace is, kept on the file itself when it is saved: the stem of the
/// container id and the tenant, in a trusted.* extended attribute, which only a process with
/// CAP_SYS_ADMIN on the host can set or read. The disk budget reads it with one getxattr instead of
/// opening the trace and reading its header, at every save, for every trace of every save
/// directory (~35 µs a trace here, tens of thousands of traces in a full default budget). A trace
/// without it (saved by an earlier release, or on a filesystem that keeps no trusted attributes)
/// is read as before.</summary>
internal static class SavedTraceTag
{
    public const string AttributeName = "trusted.ociftracehook.owner";
    private const string Version = "1";
    /// <summary>The most a tag holds: a longer one (a tenant's name of kilobytes) is not set, and
    /// the budget reads that trace's header.</summary>
    public const int MaxBytes = 1024;

    /// <summary>Tags the open file (best effort: the budget then reads the trace's header, and
    /// failing that the file's name).</summary>
    public static void Set(SafeFileHandle file, string containerId, string? tenant)
    {
        // None for gc's save of an instance whose record is gone, under a placeholder id.
        if (InstanceName.StemOrNull(containerId) is not { } owner) return;
        var value = Encoding.UTF8.GetBytes($"{Version}\n{owner}\n{tenant}");
        if (value.Length <= MaxBytes) Interop.TrySetXattr(file, AttributeName, value, out _);
    }

    /// <summary>The owner (the id's stem) and tenant (the owner when none) of the file at
    /// <paramref name="path"/> as its tag says, or null when it has none that reads.</summary>
    /// <param name="buffer">At least <see cref="MaxBytes"/>, reused from trace to trace.</param>
    public static (string Owner, string Tenant)? Get(string path, byte[] buffer)
    {
        var length = Interop.TryGetXattr(path, AttributeName, buffer);
        if (length < 0) return null;
        var parts = Encoding.UTF8.GetString(buffer, 0, length).Split('\n');
        if (parts is not [Version, var owner, var tenant] || InstanceName.StemOf(owner) != owner) return null;
        return (owner, tenant.Length > 0 ? tenant : owner);
    }
}
