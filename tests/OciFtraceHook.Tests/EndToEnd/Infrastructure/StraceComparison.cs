using OciFtraceHook.Tracing;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>`show --file` of a guest run against `strace -f` of the same run: the container's
/// processes, from the init's exec of the workload on.</summary>
internal static class StraceComparison
{
    /// <summary>At least 99% agreement on (syscall, errno), a path (or (fault)) for every path
    /// argument strace shows, and every path shown is strace's.</summary>
    /// <param name="kernelCopies">The trace holds the kernel's own copies of the paths (getname's):
    /// then no path it resolved may be a (fault), and 99% of them are strace's.</param>
    public static void AssertAgree(string kernel, string show, IEnumerable<string> straceLines, bool kernelCopies = false)
    {
        var ours = StraceLog.Parse(show.Split('\n'));
        Assert.That(ours, Is.Not.Empty);
        var pids = ours.Select(c => c.Pid).ToHashSet();
        var init = ours[0].Pid;

        // strace -f saw runc too: keep the container's processes, the init from its exec of the workload on.
        var strace = StraceLog.Parse(straceLines);
        var exec = strace.FindIndex(c => c.Pid == init && c.Name == "execve" && c.Args.Count > 1 && c.Args[1].Contains("\"/workload.sh\""));
        Assert.That(exec, Is.GreaterThanOrEqualTo(0), "strace saw the init exec the workload");
        var theirs = strace.Where((c, i) => pids.Contains(c.Pid) && (c.Pid != init || i > exec)).ToList();
        // Our first record is that exec's return (the trace starts there): not a call of its own.
        ours = ours.Where(c => !(c.Pid == init && c.Name == "execve" && c.Args.Count == 0)).ToList();

        // What strace prints as rt_sigreturn's result is the interrupted context's register, restored
        // (-1 EINTR when a signal cut a wait4 short), not an outcome of the call; show prints "?".
        static (string Name, string? Errno) Key(StraceCall c) => (c.Name, c.Name == "rt_sigreturn" ? null : c.Errno);
        var ourKeys = ours.GroupBy(Key).ToDictionary(g => g.Key, g => g.Count());
        var theirKeys = theirs.GroupBy(Key).ToDictionary(g => g.Key, g => g.Count());
        var agreeing = ourKeys.Sum(p => Math.Min(p.Value, theirKeys.GetValueOrDefault(p.Key)));
        var agreement = (double)agreeing / Math.Max(ours.Count, theirs.Count);
        var differences = ourKeys.Keys.Union(theirKeys.Keys)
            .Where(k => ourKeys.GetValueOrDefault(k) != theirKeys.GetValueOrDefault(k))
            .Select(k => $"{k.Name} {k.Errno ?? "ok"}: show {ourKeys.GetValueOrDefault(k)}, strace {theirKeys.GetValueOrDefault(k)}").ToList();
        TestContext.Out.WriteLine($"{kernel}: {ours.Count} calls in show, {theirs.Count} in strace, agreement {agreement:P2}");
        foreach (var difference in differences) TestContext.Out.WriteLine($"{kernel}: {difference}");
        Assert.That(agreement, Is.GreaterThanOrEqualTo(0.99), string.Join("\n", differences));

        // Paths: each one show prints is strace's for that process and call; the rest are (fault).
        var ourPaths = PathsOf(ours);
        var theirPaths = PathsOf(theirs);
        var faults = ourPaths.Count(p => p.Path == "(fault)");
        TestContext.Out.WriteLine($"{kernel}: {ourPaths.Count} path arguments, {faults} not resident when read ((fault))");
        Assert.That(theirPaths, Has.Count.GreaterThanOrEqualTo(20), "strace saw the workload's file calls (29 path arguments)");
        Assert.That(ourPaths, Has.Count.EqualTo(theirPaths.Count), "a path (or (fault)) for every path argument strace shows");
        var missing = ourPaths.Where(p => p.Path != "(fault)").GroupBy(p => p).Select(g => (g.Key, g.Count()))
            .Where(g => theirPaths.Count(p => p == g.Key) < g.Item2).Select(g => g.Key.ToString()).ToList();
        Assert.That(missing, Is.Empty, "paths show prints that strace did not see");
        Assert.That(ourPaths.Count(p => p.Path != "(fault)"), Is.GreaterThan(ourPaths.Count / 2), "most paths are read");
        if (!kernelCopies) return;
        var same = ourPaths.Count(p => p.Path != "(fault)") - missing.Count;
        TestContext.Out.WriteLine($"{kernel}: {same} of {theirPaths.Count} paths as strace shows them ({(double)same / theirPaths.Count:P1})");
        Assert.That(faults, Is.Zero, "with the kernel's copies, no path reads as (fault)");
        Assert.That((double)same / theirPaths.Count, Is.GreaterThanOrEqualTo(0.99), "paths as strace shows them");
    }

    /// <summary>(pid, syscall, argument index, path) of each path argument of the file syscalls.</summary>
    private static List<(int Pid, string Name, int Index, string Path)> PathsOf(IEnumerable<StraceCall> calls)
    {
        var list = new List<(int, string, int, string)>();
        foreach (var call in calls)
        {
            if (!PathArguments.ByEvent.TryGetValue(call.Name, out var indices)) continue;
            foreach (var i in indices)
            {
                if (i < call.Args.Count && (call.Args[i].StartsWith('"') || call.Args[i] == "(fault)")) list.Add((call.Pid, call.Name, i, call.Args[i]));
            }
        }
        return list;
    }
}
