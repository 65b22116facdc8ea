namespace OciFtraceHook;

/// <summary>How a path the hook must not be fooled on is resolved: by openat2's RESOLVE_* flags
/// where the kernel has them (5.6+) and a walk on O_NOFOLLOW handles elsewhere, or by the walk
/// alone, so that tests check the walk on a kernel that has openat2.</summary>
internal enum PathResolution
{
    Kernel,
    Walk,
}
