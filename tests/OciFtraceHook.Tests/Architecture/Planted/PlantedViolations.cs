using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

// Violations planted on purpose, each under a root of its own, so that the architecture tests can
// show that their checks fail on them. Nothing calls these types.

namespace OciFtraceHook.Tests.ArchitectureTests.Planted.Hook
{
    internal static class PlantedStage
    {
        public static int Run() => 1;
    }
}

namespace OciFtraceHook.Tests.ArchitectureTests.Planted.Tables
{
    /// <summary>A table that reaches up into the hook's stages.</summary>
    internal static class PlantedTable
    {
        public static int Value() => Hook.PlantedStage.Run();
    }

    /// <summary>State a test could set, shared by every caller.</summary>
    internal static class PlantedSettableStatic
    {
        internal static bool Force { get; set; }
        internal static int Counter = 0;
    }

    /// <summary>A libc call made from outside Interop.</summary>
    internal static class PlantedLibcCall
    {
        public static int Pid() => Interop.PlantedLibc.GetPid();
    }

    /// <summary>A raw descriptor wrapped outside Interop, target-typed as the issue found it.</summary>
    internal static class PlantedRawDescriptor
    {
        public static SafeFileHandle Wrap(int fd)
        {
            SafeFileHandle handle = new(fd, ownsHandle: false);
            return handle;
        }
    }
}

namespace OciFtraceHook.Tests.ArchitectureTests.Planted.Decoding
{
    /// <summary>The same reach, from inside a local function, which the compiler turns into a
    /// generated method.</summary>
    internal static class PlantedLocalFunction
    {
        public static int Value()
        {
            return Up();
            static int Up() => Hook.PlantedStage.Run();
        }
    }
}

namespace OciFtraceHook.Tests.ArchitectureTests.Planted.Export
{
    /// <summary>The same reach, from inside a lambda, which the compiler moves to a generated class.</summary>
    internal static class PlantedLambda
    {
        public static Func<int> Value() => () => Hook.PlantedStage.Run();
    }
}

namespace OciFtraceHook.Tests.ArchitectureTests.Planted.Interop
{
    internal static partial class PlantedLibc
    {
        [DllImport("libc", EntryPoint = "getpid")]
        internal static extern int GetPid();
    }
}
