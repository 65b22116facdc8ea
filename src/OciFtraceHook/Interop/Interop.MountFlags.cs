namespace OciFtraceHook;

/// <summary>mount(2) flags, named so errors can print them (MS_BIND|MS_RDONLY) as runc does.</summary>
[Flags]
internal enum MountFlags : ulong
{
    None = 0,
    ReadOnly = 0x1,      // MS_RDONLY
    NoSuid = 0x2,        // MS_NOSUID
    NoDev = 0x4,         // MS_NODEV
    NoExec = 0x8,        // MS_NOEXEC
    Remount = 0x20,      // MS_REMOUNT
    Bind = 0x1000,       // MS_BIND
    Recursive = 0x4000,  // MS_REC
    Private = 0x40000,   // MS_PRIVATE
}

internal static class MountFlagNames
{
    private static readonly (MountFlags Flag, string Name)[] Names =
    [
        (MountFlags.Bind, "MS_BIND"), (MountFlags.Remount, "MS_REMOUNT"), (MountFlags.ReadOnly, "MS_RDONLY"),
        (MountFlags.NoSuid, "MS_NOSUID"), (MountFlags.NoDev, "MS_NODEV"), (MountFlags.NoExec, "MS_NOEXEC"),
        (MountFlags.Recursive, "MS_REC"), (MountFlags.Private, "MS_PRIVATE"),
    ];

    public static string Format(MountFlags flags) =>
        flags == MountFlags.None ? "0" : string.Join('|', Names.Where(n => flags.HasFlag(n.Flag)).Select(n => n.Name));
}
