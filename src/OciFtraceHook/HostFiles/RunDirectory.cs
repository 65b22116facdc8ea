namespace OciFtraceHook.HostFiles;

/// <summary>The hook's state under /run (records, locks, the follow spools): made 0700 by the hook's
/// user (root) and checked before every use, so that no one else can plant or read what root trusts
/// there: it must be a real directory (not a symlink), owned by the hook's user, closed to others.</summary>
internal static class RunDirectory
{
    /// <summary>Makes <paramref name="dir"/> 0700 when missing, then checks it.</summary>
    public static void Ensure(string dir)
    {
        var st = Interop.LStat(dir);
        if (st is null)
        {
            // Another hook may make it meanwhile: it is checked below like any other.
            Interop.MakeDirectory(dir, 0x1C0 /* 0700 */);
            st = Interop.LStat(dir) ?? throw new HookException($"{dir} vanished right after it was made");
        }
        if (!st.IsDirectory) throw new HookException($"{dir} is refused: it is not a directory (a symlink?)");
        var owner = Interop.EffectiveUid;
        if (st.Uid != owner) throw new HookException($"{dir} is refused: it is owned by uid {st.Uid}, not {owner}");
        // Made 0755 by older versions: ours, so closed now.
        if ((st.Permissions & 0x3F /* 077 */) != 0) Interop.ChangeMode(dir, 0x1C0 /* 0700 */);
    }
}
