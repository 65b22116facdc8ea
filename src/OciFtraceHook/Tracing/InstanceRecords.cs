using System.Text.Json;

namespace OciFtraceHook.Tracing;

/// <summary>The records of live instances, one JSON file per instance name under /run (gone at
/// boot, like the instances themselves).</summary>
internal sealed class InstanceRecords(string dir = InstanceRecords.DefaultDir)
{
    public const string DefaultDir = "/run/oci-ftrace-hook/instances";

    public string Dir { get; } = dir;

    public string PathFor(string instanceName) => Path.Combine(Dir, instanceName + ".json");

    /// <summary>Written to a temporary file and renamed, so a reader never sees half a record.</summary>
    public void Write(string instanceName, InstanceRecord record)
    {
        Directory.CreateDirectory(Dir);
        var path = PathFor(instanceName);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(record, RecordJsonContext.Default.InstanceRecord));
        File.Move(temporary, path, overwrite: true);
    }

    public InstanceRecord? Read(string instanceName)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(PathFor(instanceName)), RecordJsonContext.Default.InstanceRecord);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    public void Delete(string instanceName) => File.Delete(PathFor(instanceName));

    public IEnumerable<string> Names() =>
        Directory.Exists(Dir)
            ? Directory.EnumerateFiles(Dir, "*.json").Select(p => Path.GetFileNameWithoutExtension(p))
            : [];

    /// <summary>Holds an exclusive lock (flock) on the instance while one process collects it, so
    /// poststop's helper and a timer's gc never save or remove the same instance twice. Null when
    /// another process holds it.</summary>
    public IDisposable? TryLock(string instanceName)
    {
        Directory.CreateDirectory(Dir);
        try
        {
            return new FileStream(Path.Combine(Dir, instanceName + ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public void DeleteLock(string instanceName) => File.Delete(Path.Combine(Dir, instanceName + ".lock"));

    /// <summary>Events `show --follow` consumed from trace_pipe, kept so that the saved trace still
    /// has them (trace_pipe removes what it returns from the ring buffer).</summary>
    public string FollowedPath(string instanceName) => Path.Combine(Dir, instanceName + ".followed");

    public void DeleteFollowed(string instanceName) => File.Delete(FollowedPath(instanceName));
}
