using OciFtraceHook.Decoding;

namespace OciFtraceHook.Commands;

/// <summary>What `show` was asked to read and how (parsed and checked by <see cref="ShowCommand"/>).</summary>
internal sealed record ShowArguments
{
    public string? Container { get; init; }
    public string? File { get; init; }
    public string? SaveDir { get; init; }
    public bool Follow { get; init; }
    public DecodeOptions Options { get; init; } = new();
}
