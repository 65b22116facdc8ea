using System.Reflection;
using System.Runtime.InteropServices;

internal static partial class Interop
{
    /// <summary>Mono.Posix's native half ships beside the binary (libMonoPosixHelper.so). Left to
    /// the runtime's search, its name is first tried in every system library directory (some fifty
    /// failed opens, ~0.3 ms of every start of the hook); this loads it from beside the binary at
    /// once. Called first thing, before any thread enters a container's mount namespace.</summary>
    internal static void LoadMonoPosixHelperBesideBinary() =>
        NativeLibrary.SetDllImportResolver(typeof(Mono.Unix.Native.Syscall).Assembly, ResolveMonoPosixHelper);

    private static IntPtr ResolveMonoPosixHelper(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == "MonoPosixHelper" && NativeLibrary.TryLoad(Path.Combine(AppContext.BaseDirectory, "libMonoPosixHelper.so"), out var handle)
            ? handle
            : IntPtr.Zero;
}
