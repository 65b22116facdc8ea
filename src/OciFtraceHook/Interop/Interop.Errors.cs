using System.Runtime.InteropServices;
using ErrnoTable = OciFtraceHook.Tables.Errno;


internal static partial class Interop
{
    internal const int ENOENT = 2;
    internal const int EEXIST = 17;
    internal const int ENOSYS = 38;
    internal const int EBUSY = 16;
    internal const int ELOOP = 40;
    internal const int EXDEV = 18;
    internal const int ENOTDIR = 20;
    internal const int EIO = 5;

    /// <summary>Reads errno right after a failed call and names the operation and the path.</summary>
    internal static SyscallException Error(string operation, string? path) =>
        new(operation, path, Marshal.GetLastPInvokeError());

    /// <summary>Throws when a libc call returned -1.</summary>
    internal static int Check(int result, string operation, string? path = null) =>
        result < 0 ? throw Error(operation, path) : result;
}

/// <summary>A failed system call: which, on what, and errno with its name,
/// e.g. <c>mount tmpfs on /sys/kernel/tracing: EPERM (Operation not permitted)</c>.</summary>
internal sealed class SyscallException(string operation, string? path, int errno)
    : IOException(Format(operation, path, errno))
{
    public string Operation { get; } = operation;
    public string? PathName { get; } = path;
    public int Errno { get; } = errno;

    private static string Format(string operation, string? path, int errno) =>
        $"{operation}{(path is null ? "" : " " + path)}: {ErrnoTable.Name(errno)} ({Marshal.GetPInvokeErrorMessage(errno)})";
}
