using OciFtraceHook.Decoding;
using OciFtraceHook.Export;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Commands;

/// <summary>seccomp: a least-privilege seccomp profile from one or more traces of a workload.</summary>
internal static class Seccomp
{
    public const string Usage = """
        usage: oci-ftrace-hook seccomp [CONTAINER ...] [--file PATH ...] [-o FILE] [options]
          CONTAINER       a container (id, unique id prefix or name): its live or newest saved trace
          --file PATH     a saved trace (repeatable; several traces merge into one profile)
          -o FILE         where to write the profile (default: standard output)
          --errno NAME    what refused calls return (default EPERM)
          --runtime NAME  add what this runtime calls after loading the filter: runc (default), none
          --arch ARCH     x86_64 or arm64, for traces that do not say (default: this machine)
          --save-dir DIR  also look for saved traces there
        The profile is linux.seccomp of config.json, also read by podman --security-opt seccomp=FILE.
        """;

    public static int Run(IReadOnlyList<string> args, TextWriter error)
    {
        var containers = new List<string>();
        var files = new List<string>();
        string? output = null, saveDir = null;
        var errnoName = "EPERM";
        string? runtime = "runc";
        TraceArch? arch = null;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new UsageException($"seccomp: {arg} needs a value");
            switch (arg)
            {
                case "-h" or "--help":
                    Console.Out.WriteLine(Usage);
                    return 0;
                case "--file":
                    files.Add(Value());
                    break;
                case "-o" or "--output":
                    output = Value();
                    break;
                case "--errno":
                    errnoName = Value();
                    break;
                case "--runtime":
                    var r = Value();
                    runtime = r == "none" ? null : r;
                    break;
                case "--arch":
                    var a = Value();
                    arch = TraceArchNames.Parse(a) ?? throw new UsageException($"seccomp: unknown architecture '{a}' (x86_64 or arm64)");
                    break;
                case "--save-dir":
                    saveDir = Value();
                    break;
                default:
                    if (arg.StartsWith('-')) throw new UsageException($"seccomp: unknown option '{arg}'");
                    containers.Add(arg);
                    break;
            }
        }
        if (containers.Count == 0 && files.Count == 0) throw new UsageException("seccomp: name at least one container or --file");
        var errno = Errno.Number(errnoName) ?? throw new UsageException($"seccomp: unknown errno '{errnoName}' (e.g. EPERM, ENOSYS)");

        var traces = new TraceSyscalls();
        foreach (var container in containers)
        {
            using var reader = Show.OpenContainer(container, saveDir);
            traces.Read(reader.BaseStream, container);
        }
        foreach (var file in files)
        {
            using var reader = Show.OpenFile(file);
            traces.Read(reader.BaseStream, file);
        }
        if (traces.Events.Count == 0) throw new UsageException("seccomp: the traces hold no syscall events");
        if (traces.Lost > 0)
            error.WriteLine($"oci-ftrace-hook: warning: the traces lost {traces.Lost} events: the profile may miss calls (raise buffer-size-kb and trace again)");
        var recordedOn = traces.Arch ?? arch ?? TraceArchNames.Host;
        var allowed = SeccompProfile.AllowedNames(traces.Events, recordedOn, runtime);
        if (output is null or "-")
        {
            using var stdout = Console.OpenStandardOutput();
            SeccompProfile.Write(stdout, allowed, recordedOn, errno);
        }
        else
        {
            using var file = new FileStream(output, FileMode.Create, FileAccess.Write);
            SeccompProfile.Write(file, allowed, recordedOn, errno);
        }
        error.WriteLine($"oci-ftrace-hook: {allowed.Count} syscalls allowed ({TraceArchNames.Name(recordedOn)}), everything else fails with {errnoName}");
        return 0;
    }
}
