namespace OciFtraceHook.TraceDat;

/// <summary>Constants of trace-cmd's trace.dat, version 6 (trace-cmd.dat.v6(5)), shared by the
/// writer and the reader.</summary>
internal static class TraceDatFormat
{
    /// <summary>0x17 0x08 0x44 "tracing".</summary>
    public static ReadOnlySpan<byte> Magic => [0x17, 0x08, 0x44, (byte)'t', (byte)'r', (byte)'a', (byte)'c', (byte)'i', (byte)'n', (byte)'g'];

    public const int Version = 6;

    public const ushort OptionDone = 0;
    public const ushort OptionCpuStat = 2;
    public const ushort OptionTraceClock = 4;
    public const ushort OptionUname = 5;

    /// <summary>Whether a file starts with the trace.dat magic (the rest is the reader's to check).</summary>
    public static bool HasMagic(ReadOnlySpan<byte> start) => start.StartsWith(Magic);
}
