namespace OciFtraceHook.TraceDat;

/// <summary>The ring-buffer pages copied from one CPU, whole pages back to back.</summary>
internal sealed class CpuPages(int cpu, byte[] buffer, int length)
{
    public int Cpu { get; } = cpu;
    public byte[] Buffer { get; } = buffer;
    public int Length { get; } = length;
    public ReadOnlyMemory<byte> Data => Buffer.AsMemory(0, Length);
}
