using System.Formats.Tar;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace OciFtraceHook.Tests.EndToEnd.Infrastructure;

/// <summary>An OCI image layout in one tar file (what `ctr images import` takes), made from a rootfs
/// directory with no registry: one uncompressed layer, a config naming the default command, a
/// manifest, and an index whose annotations name the image.</summary>
internal static class OciImageArchive
{
    public static void Write(string rootfs, string imageName, IReadOnlyList<string> command, string archivePath)
    {
        var layer = new MemoryStream();
        TarFile.CreateFromDirectory(rootfs, layer, includeBaseDirectory: false);
        var layerBytes = layer.ToArray();
        var architecture = RuntimeInformation.OSArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "amd64",
            System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
            var other => other.ToString().ToLowerInvariant(),
        };
        var config = Json(new JsonObject
        {
            ["architecture"] = architecture,
            ["os"] = "linux",
            ["config"] = new JsonObject
            {
                ["Cmd"] = new JsonArray(command.Select(c => (JsonNode)JsonValue.Create(c)).ToArray()),
                ["Env"] = new JsonArray("PATH=/bin"),
            },
            // Uncompressed, the layer's digest is its diff id.
            ["rootfs"] = new JsonObject { ["type"] = "layers", ["diff_ids"] = new JsonArray(Digest(layerBytes)) },
        });
        var manifest = Json(new JsonObject
        {
            ["schemaVersion"] = 2,
            ["mediaType"] = "application/vnd.oci.image.manifest.v1+json",
            ["config"] = Descriptor("application/vnd.oci.image.config.v1+json", config),
            ["layers"] = new JsonArray(Descriptor("application/vnd.oci.image.layer.v1.tar", layerBytes)),
        });
        var manifestDescriptor = Descriptor("application/vnd.oci.image.manifest.v1+json", manifest);
        manifestDescriptor["annotations"] = new JsonObject
        {
            // containerd takes the whole name from its own key; the OCI key holds the tag.
            ["io.containerd.image.name"] = imageName,
            ["org.opencontainers.image.ref.name"] = imageName[(imageName.LastIndexOf(':') + 1)..],
        };
        var index = Json(new JsonObject { ["schemaVersion"] = 2, ["manifests"] = new JsonArray(manifestDescriptor) });

        using var file = File.Create(archivePath);
        using var tar = new TarWriter(file, TarEntryFormat.Pax);
        Add(tar, "oci-layout", Encoding.UTF8.GetBytes("{\"imageLayoutVersion\":\"1.0.0\"}"));
        Add(tar, "index.json", index);
        foreach (var blob in new[] { layerBytes, config, manifest }) Add(tar, "blobs/sha256/" + Digest(blob)["sha256:".Length..], blob);
    }

    private static byte[] Json(JsonObject value) => Encoding.UTF8.GetBytes(value.ToJsonString());

    private static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static JsonObject Descriptor(string mediaType, byte[] blob) =>
        new() { ["mediaType"] = mediaType, ["digest"] = Digest(blob), ["size"] = blob.Length };

    private static void Add(TarWriter tar, string name, byte[] bytes)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes), Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead };
        tar.WriteEntry(entry);
    }
}
