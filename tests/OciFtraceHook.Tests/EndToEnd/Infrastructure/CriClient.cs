using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>A pod as the kubelet describes it to the runtime (CRI PodSandboxConfig): on the host's
/// network (no CNI needed), with its pod annotations, its containers' cgroups under <paramref name="CgroupParent"/>.</summary>
internal sealed record CriPod(string Namespace, string Name, string Uid, string LogDirectory, string CgroupParent,
    IReadOnlyDictionary<string, string> Annotations)
{
    public ProtoWriter Config() => new ProtoWriter()
        .Message(1, new ProtoWriter().String(1, Name).String(2, Uid).String(3, Namespace))
        .String(3, LogDirectory)
        .Map(7, Annotations)
        // linux: cgroup_parent, and security_context.namespace_options.network = NODE
        .Message(8, new ProtoWriter().String(1, CgroupParent).Message(2, new ProtoWriter().Message(1, new ProtoWriter().Varint(1, 2))));
}

internal enum CriContainerState
{
    Created = 0,
    Running = 1,
    Exited = 2,
    Unknown = 3,
}

internal sealed record CriContainerStatus(CriContainerState State, int ExitCode, string Reason, IReadOnlyDictionary<string, string> Annotations);

/// <summary>The runtime status a CRI call returned when it failed (gRPC status and message).</summary>
internal sealed class CriException(string method, int status, string message)
    : Exception($"CRI {method} failed: gRPC status {status}: {message}")
{
    public int Status { get; } = status;
}

/// <summary>A client of the CRI runtime service (runtime.v1) over the runtime's unix socket, as the
/// kubelet is one: gRPC is HTTP/2 (without TLS) carrying length-prefixed protobuf messages, so
/// .NET's own HTTP/2 client and hand-written messages are all it takes, with nothing to install.
/// Only the calls and fields the tests use are here.</summary>
internal sealed class CriClient : IDisposable
{
    private const string Service = "/runtime.v1.RuntimeService/";
    private readonly HttpClient _http;
    private readonly List<string> _created = [];

    /// <summary>Every container this client created, so that tests check what is theirs only.</summary>
    public string[] CreatedContainers
    {
        get
        {
            lock (_created) return [.. _created];
        }
    }

    public CriClient(string socket)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, cancel) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), cancel).ConfigureAwait(false);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = new Uri("http://localhost"),
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    public string RuntimeName() => Call("Version", new ProtoWriter().String(1, "v1")).String(2);

    public string RunPodSandbox(CriPod pod, string runtimeHandler) =>
        Call("RunPodSandbox", new ProtoWriter().Message(1, pod.Config()).String(2, runtimeHandler)).String(1);

    public string CreateContainer(string podId, CriPod pod, string name, string image, IEnumerable<string> command, string logPath,
        IReadOnlyDictionary<string, string>? annotations = null)
    {
        var config = new ProtoWriter()
            .Message(1, new ProtoWriter().String(1, name))
            .Message(2, new ProtoWriter().String(1, image))
            .Strings(3, command)
            .Map(10, annotations)
            .String(11, logPath);
        var id = Call("CreateContainer", new ProtoWriter().String(1, podId).Message(2, config).Message(3, pod.Config())).String(1);
        lock (_created) _created.Add(id);
        return id;
    }

    public void StartContainer(string id) => Call("StartContainer", new ProtoWriter().String(1, id));

    public CriContainerStatus ContainerStatus(string id)
    {
        var status = Call("ContainerStatus", new ProtoWriter().String(1, id)).Message(1);
        return new CriContainerStatus((CriContainerState)status.Varint(3), (int)status.Varint(7), status.String(10), status.Map(13));
    }

    /// <summary>Runs a command in the container (kubectl exec's runtime call) and returns its output.</summary>
    public (int ExitCode, string Stdout, string Stderr) ExecSync(string id, IEnumerable<string> command, long timeoutSeconds = 30)
    {
        var reply = Call("ExecSync", new ProtoWriter().String(1, id).Strings(2, command).Varint(3, timeoutSeconds));
        return ((int)reply.Varint(3), System.Text.Encoding.UTF8.GetString(reply.Bytes(1)), System.Text.Encoding.UTF8.GetString(reply.Bytes(2)));
    }

    public void StopContainer(string id, long timeoutSeconds) => Call("StopContainer", new ProtoWriter().String(1, id).Varint(2, timeoutSeconds));

    public void RemoveContainer(string id) => Call("RemoveContainer", new ProtoWriter().String(1, id));

    public void StopPodSandbox(string id) => Call("StopPodSandbox", new ProtoWriter().String(1, id));

    public void RemovePodSandbox(string id) => Call("RemovePodSandbox", new ProtoWriter().String(1, id));

    public string[] ListPodSandboxIds() => Call("ListPodSandbox", new ProtoWriter()).Messages(1).Select(pod => pod.String(1)).ToArray();

    public string[] ListContainerIds() => Call("ListContainers", new ProtoWriter()).Messages(1).Select(c => c.String(1)).ToArray();

    private ProtoReader Call(string method, ProtoWriter request) => CallAsync(method, request.ToArray()).GetAwaiter().GetResult();

    private async Task<ProtoReader> CallAsync(string method, byte[] message)
    {
        // A gRPC message: uncompressed (0), its length (big-endian), the protobuf bytes.
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        using var request = new HttpRequestMessage(HttpMethod.Post, Service + method)
        {
            Content = new ByteArrayContent(frame),
            // gRPC without TLS: HTTP/2 from the first byte (prior knowledge), never HTTP/1.1.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        using var response = await _http.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false);
        // The status comes in the trailers, or in the headers of a reply that has no message.
        var status = Header(response.TrailingHeaders, "grpc-status") ?? Header(response.Headers, "grpc-status");
        if (response.StatusCode != HttpStatusCode.OK || status is null)
            throw new CriException(method, -1, $"HTTP {(int)response.StatusCode}, no gRPC status");
        if (status != "0")
        {
            var text = Header(response.TrailingHeaders, "grpc-message") ?? Header(response.Headers, "grpc-message") ?? "";
            throw new CriException(method, int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), Uri.UnescapeDataString(text));
        }
        if (body.Length < 5 || body[0] != 0) throw new InvalidDataException($"CRI {method}: a reply that is not one uncompressed gRPC message");
        var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1));
        if (5 + length > body.Length) throw new InvalidDataException($"CRI {method}: a reply shorter than its length");
        return new ProtoReader(body.AsSpan(5, length));
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    public void Dispose() => _http.Dispose();
}
