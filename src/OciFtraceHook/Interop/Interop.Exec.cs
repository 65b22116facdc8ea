using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

internal static partial class Interop
{
    private static partial class Libc
    {
        [LibraryImport(Libraries.Libc, EntryPoint = "execv", SetLastError = true)]
        internal static unsafe partial int ExecV(byte* path, byte** argv);

        [LibraryImport(Libraries.Libc, EntryPoint = "signal")]
        internal static partial nint Signal(int signal, nint handler);

        internal const int SIGPIPE = 13;
        internal const nint SIG_DFL = 0;
    }

    /// <summary>Replaces this process with <paramref name="path"/>, keeping the environment, the
    /// open descriptors and the PID. <paramref name="arguments"/> are argv[1..] exactly as this
    /// process got them: the bytes of /proc/self/cmdline after argv[0], each ending in NUL (no
    /// decoding, so no byte changes). argv[0] becomes <paramref name="path"/>. Returns only on
    /// failure, as a <see cref="SyscallException"/>.
    /// <para>The .NET runtime ignores SIGPIPE for itself, and an ignored signal stays ignored
    /// across exec (down to the container's processes, which would then get EPIPE where they
    /// should die). Engines start runtimes with the default action, so that is restored first.
    /// The signal mask needs nothing: the runtime leaves the main thread's empty.</para></summary>
    internal static unsafe SyscallException Exec(string path, ReadOnlySpan<byte> arguments)
    {
        var pathBytes = new byte[System.Text.Encoding.UTF8.GetByteCount(path) + 1];
        System.Text.Encoding.UTF8.GetBytes(path, pathBytes);
        var count = 0;
        foreach (var b in arguments) if (b == 0) count++;
        var argv = (byte**)NativeMemory.Alloc((nuint)(count + 2), (nuint)sizeof(byte*));
        try
        {
            fixed (byte* pathPointer = pathBytes)
            fixed (byte* argumentsPointer = arguments)
            {
                argv[0] = pathPointer;
                var next = 1;
                var start = 0;
                for (var i = 0; i < arguments.Length; i++)
                {
                    if (arguments[i] != 0) continue;
                    argv[next++] = argumentsPointer + start;
                    start = i + 1;
                }
                argv[next] = null;
                Libc.Signal(Libc.SIGPIPE, Libc.SIG_DFL);
                Libc.ExecV(pathPointer, argv);
                return Error("execv", path);
            }
        }
        finally
        {
            NativeMemory.Free(argv);
        }
    }

    /// <summary>Writes all of <paramref name="bytes"/> to <paramref name="fd"/> with write(2),
    /// bypassing Console (which would set up the terminal when the descriptor is one).</summary>
    internal static unsafe void WriteAll(SafeFileHandle fd, ReadOnlySpan<byte> bytes)
    {
        fixed (byte* pointer = bytes)
        {
            var done = 0;
            while (done < bytes.Length)
            {
                var n = Libc.Write(fd, pointer + done, bytes.Length - done);
                if (n < 0 && Marshal.GetLastPInvokeError() == EINTR) continue;
                if (n <= 0) return;
                done += (int)n;
            }
        }
    }
}
