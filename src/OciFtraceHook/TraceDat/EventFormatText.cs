namespace OciFtraceHook.TraceDat;

/// <summary>One event's format file (events/SYSTEM/NAME/format) as the kernel printed it.</summary>
internal sealed record EventFormatText(int Id, string System, string Name, byte[] Text);
