using OciFtraceHook.Export;
using OciFtraceHook.Logging;
using OciFtraceHook.Oci;
using OciFtraceHook.Records;
using OciFtraceHook.Tables;

namespace OciFtraceHook.Commands;

/// <summary>seccomp: a least-privilege seccomp profile from one or more traces of a workload.</summary>
internal static class Seccomp
{
    public static int Run(SeccompArguments args, TextWriter error, HookConf host, InstanceRecords records)
    {
        var traces = new TraceSyscalls();
        foreach (var container in args.Containers)
        {
            using var reader = Show.OpenContainer(container, Show.Search(host, records, args.SaveDir), records, waitNote: error.WriteLine);
            traces.Read(reader.BaseStream, container);
        }
        foreach (var file in args.Files)
        {
            using var reader = Show.OpenFile(file);
            traces.Read(reader.BaseStream, file);
        }
        foreach (var note in traces.Notes) error.WriteLine($"oci-ftrace-hook: {note}");
        if (traces.Events.Count == 0) throw new UsageException("seccomp: the traces hold no syscall events");
        if (traces.Lost > 0)
            error.WriteLine($"oci-ftrace-hook: warning: the traces lost {traces.Lost} events: the profile may miss calls (raise buffer-size-kb and trace again)");
        var recordedOn = traces.Arch ?? args.Arch ?? TraceArchNames.Host;
        var allowed = SeccompProfile.AllowedNames(traces.Events, recordedOn, args.Runtime);
        if (args.Output is null or "-")
        {
            using var stdout = Console.OpenStandardOutput();
            SeccompProfile.Write(stdout, allowed, recordedOn, args.Errno);
        }
        else
        {
            using var file = new FileStream(args.Output, FileMode.Create, FileAccess.Write);
            SeccompProfile.Write(file, allowed, recordedOn, args.Errno);
        }
        error.WriteLine($"oci-ftrace-hook: {allowed.Count} syscalls allowed ({TraceArchNames.Name(recordedOn)}), everything else fails with {Printable.Line(args.ErrnoName, Printable.NameCap)}");
        return 0;
    }
}
