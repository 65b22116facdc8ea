using System.Text;

namespace OciFtraceHook.Tracing;

/// <summary>Names the ftrace instance of one container start. The id comes from the container's
/// owner: only [A-Za-z0-9_-] survive (anything else becomes '_'), the readable part is capped, and a
/// hash of the whole id keeps two ids that clean up to the same text apart. The start's init (PID
/// and start time) follows, so two starts with one id (a reused id, or the same id under two runtime
/// roots) never share or wait for each other's instance.</summary>
internal static class InstanceName
{
    public const string Prefix = "oci-ftrace-";
    private const int MaxReadable = 40;

    /// <summary>The part every start of <paramref name="containerId"/> shares: saved traces of the id
    /// are found by it.</summary>
    public static string For(string containerId)
    {
        ValidateId(containerId);
        return StemOfValid(containerId);
    }

    private static string StemOfValid(string containerId)
    {
        var readable = new StringBuilder(MaxReadable);
        foreach (var c in containerId)
        {
            if (readable.Length == MaxReadable) break;
            readable.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        }
        return $"{Prefix}{readable}-{Fnv1a64(containerId):x16}";
    }

    /// <summary>The instance of one start: the id's stem, then the start's init (PID and start
    /// time, in hex), which no other process on this boot shares; instances end with the boot too.</summary>
    public static string ForStart(string containerId, int initPid, ulong initStartTime) =>
        $"{For(containerId)}-{initPid:x}-{initStartTime:x}";

    /// <summary>The id's stem at the start of an instance's (or saved trace's) name: what every
    /// start of one id shares; null for a name not made by <see cref="For"/>.</summary>
    public static string? StemOf(string name)
    {
        if (!IsOurs(name)) return null;
        // The readable part holds no more than MaxReadable characters, then "-" and 16 hex digits.
        for (var dash = name.IndexOf('-', Prefix.Length); dash >= 0 && dash <= Prefix.Length + MaxReadable; dash = name.IndexOf('-', dash + 1))
        {
            var end = dash + 17;
            if (end <= name.Length && (end == name.Length || name[end] is '-' or '.')
                && name.AsSpan(dash + 1, 16).ContainsAnyExcept("0123456789abcdef") is false)
                return name[..end];
        }
        return null;
    }

    public static bool IsOurs(string instanceName) => instanceName.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>Ids are checked before they name anything, with runc's rule (letters, digits and
    /// "_+-." only) and no "..": an id is never a path. Bounded, so names and logs stay sane.</summary>
    public static void ValidateId(string? containerId)
    {
        if (WhyInvalid(containerId) is { } why) throw new HookException(why);
    }

    /// <summary>The id's stem as <see cref="For"/> makes it, or null for an id no start could have
    /// had: one read from a trace's own header, or gc's placeholder for an instance whose record is gone.</summary>
    public static string? StemOrNull(string? containerId) => WhyInvalid(containerId) is null ? StemOfValid(containerId!) : null;

    private static string? WhyInvalid(string? containerId)
    {
        if (string.IsNullOrEmpty(containerId)) return "the OCI state has no container id";
        if (containerId.Length > 1024) return $"container id is {containerId.Length} characters long; at most 1024 are accepted";
        if (containerId.Contains('\0')) return "container id contains a NUL character";
        if (containerId.Contains("..", StringComparison.Ordinal) || !containerId.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '.'))
            return $"container id '{Printable(containerId)}' is not valid: letters, digits and _+-. only, no '..'";
        return null;
    }

    private static string Printable(string text)
    {
        var shown = new string(text.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());
        return text.Length > 64 ? shown + "..." : shown;
    }

    private static ulong Fnv1a64(string text)
    {
        ulong hash = 0xcbf29ce484222325;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash ^= b;
            hash *= 0x100000001b3;
        }
        return hash;
    }
}
