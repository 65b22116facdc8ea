using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>open(2) flags. Most are shared by x86_64 and arm64; O_DIRECTORY and
    /// O_NOFOLLOW are not (0x10000 on x86_64 is O_DIRECT on arm64), so those two are
    /// chosen by the architecture the binary runs on.</summary>
    internal static class OpenFlags
    {
        internal const int O_RDONLY = 0x0;
        internal const int O_WRONLY = 0x1;
        internal const int O_RDWR = 0x2;
        internal const int O_CREAT = 0x40;
        internal const int O_EXCL = 0x80;
        internal const int O_TRUNC = 0x200;
        internal const int O_CLOEXEC = 0x80000;
        internal const int O_PATH = 0x200000;

        internal static readonly int O_DIRECTORY = IsArm() ? 0x4000 : 0x10000;
        internal static readonly int O_NOFOLLOW = IsArm() ? 0x8000 : 0x20000;

        private static bool IsArm() =>
            RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm;
    }
}
