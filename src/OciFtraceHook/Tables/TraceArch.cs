using System.Runtime.InteropServices;

namespace OciFtraceHook.Tables;

/// <summary>The architecture a trace was recorded on: its syscall numbers, event names and some
/// flag values differ. Saved traces name it in their header; otherwise it is this machine's.</summary>
internal enum TraceArch
{
    X86_64,
    Arm64,
}

internal static class TraceArchNames
{
    public static TraceArch Host => RuntimeInformation.OSArchitecture is Architecture.Arm64 ? TraceArch.Arm64 : TraceArch.X86_64;

    public static string Name(TraceArch arch) => arch == TraceArch.Arm64 ? "arm64" : "x86_64";

    /// <summary>Every name <see cref="Parse"/> knows, for command lines to offer.</summary>
    public static readonly string[] Spellings = ["x86_64", "arm64", "amd64", "aarch64", "x64"];

    public static TraceArch? Parse(string text) => text switch
    {
        "x86_64" or "amd64" or "x64" => TraceArch.X86_64,
        "arm64" or "aarch64" => TraceArch.Arm64,
        _ => null,
    };
}
