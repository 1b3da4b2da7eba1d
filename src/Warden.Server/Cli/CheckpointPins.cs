using System.Text.Json;
using Warden.Core.Trust;

namespace Warden.Server.Cli;

/// <summary>
/// <c>warden verify</c>'s memory: per log origin, the log's verifier key and the largest checkpoint it verified; per
/// server URL, the origin it served. A later checkpoint of the same origin must be consistent with the pinned one (a
/// proof in either direction, fetched from the server); a proof that cannot be had, another key for the origin or
/// another origin from the same server is a FAIL. The first checkpoint of an origin is trusted on first use. The file
/// is small JSON, by default <c>~/.config/warden/verify-state.json</c>.
/// </summary>
internal sealed class CheckpointPins
{
    private readonly string _path;
    private readonly Dictionary<string, (string Vkey, string Checkpoint)> _logs = [];
    private readonly Dictionary<string, string> _servers = [];

    private CheckpointPins(string path) => _path = path;

    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify), "warden", "verify-state.json");

    /// <summary>Reads the state file (none yet: empty).</summary>
    /// <exception cref="FormatException">The file is not the state JSON.</exception>
    public static CheckpointPins Load(string path)
    {
        var pins = new CheckpointPins(path);
        if (!File.Exists(path))
        {
            return pins;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            foreach (var log in document.RootElement.GetProperty("logs").EnumerateObject())
            {
                pins._logs[log.Name] = (log.Value.GetProperty("vkey").GetString()!, log.Value.GetProperty("checkpoint").GetString()!);
            }

            foreach (var server in document.RootElement.GetProperty("servers").EnumerateObject())
            {
                pins._servers[server.Name] = server.Value.GetString()!;
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"the verify state file {path} is not valid: {ex.Message}");
        }

        return pins;
    }

    /// <summary>
    /// Checks a verified checkpoint against the pin of its origin and keeps the larger of the two. <paramref name="proof"/>
    /// fetches a consistency proof (from, to); null when the server would not give one.
    /// </summary>
    public async Task<VerificationCheck> CheckAsync(
        string signedCheckpoint, NoteVerifier logKey, string? serverUrl, Func<long, long, Task<IReadOnlyList<byte[]>?>> proof)
    {
        var verification = SignedCheckpoint.Verify(signedCheckpoint, [logKey]);
        if (!verification.IsValid)
        {
            return new VerificationCheck("pinned_checkpoint", false, "the checkpoint to pin does not verify: " + verification.Reason);
        }

        Checkpoint current = verification.Checkpoint!;
        string vkey = logKey.ToVkey();
        string server = serverUrl is null ? "" : Normalize(serverUrl);
        if (server.Length > 0 && _servers.TryGetValue(server, out string? pinnedOrigin) && pinnedOrigin != current.Origin)
        {
            return new VerificationCheck("pinned_checkpoint", false,
                $"{server} served the log \"{pinnedOrigin}\" before and now serves \"{current.Origin}\": its log was replaced");
        }

        if (!_logs.TryGetValue(current.Origin, out var pinned))
        {
            Keep(current.Origin, vkey, signedCheckpoint, server);
            return new VerificationCheck("pinned_checkpoint", true, $"first checkpoint seen of {current.Origin} (size {current.TreeSize}), pinned in {_path}");
        }

        if (pinned.Vkey != vkey)
        {
            return new VerificationCheck("pinned_checkpoint", false, $"the log {current.Origin} was pinned with the key {pinned.Vkey}, now {vkey}");
        }

        Checkpoint old = SignedCheckpoint.Verify(pinned.Checkpoint, [logKey]).Checkpoint
            ?? throw new FormatException($"the pinned checkpoint of {current.Origin} in {_path} does not verify");
        (Checkpoint smaller, Checkpoint larger, string largerText) = old.TreeSize <= current.TreeSize
            ? (old, current, signedCheckpoint)
            : (current, old, pinned.Checkpoint);
        IReadOnlyList<byte[]>? steps = smaller.TreeSize == larger.TreeSize || smaller.TreeSize == 0 ? [] : await proof(smaller.TreeSize, larger.TreeSize);
        if (steps is null)
        {
            return new VerificationCheck("pinned_checkpoint", false,
                $"no consistency proof between the pinned size {old.TreeSize} and size {current.TreeSize} could be had: the log cannot show it only grew");
        }

        if (!MerkleProof.VerifyConsistency(smaller.TreeSize, larger.TreeSize, smaller.RootHash(), larger.RootHash(), steps))
        {
            return new VerificationCheck("pinned_checkpoint", false,
                $"size {current.TreeSize} is not consistent with the pinned size {old.TreeSize}: the log was rewritten or truncated");
        }

        Keep(current.Origin, vkey, largerText, server);
        return new VerificationCheck("pinned_checkpoint", true, $"consistent with the pinned checkpoint (size {old.TreeSize}); pinned size now {larger.TreeSize}");
    }

    /// <summary>Writes the state file (its folder is created when missing).</summary>
    public void Save()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(_path))!);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("logs");
            foreach (var (origin, (vkey, checkpoint)) in _logs.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                writer.WriteStartObject(origin);
                writer.WriteString("vkey", vkey);
                writer.WriteString("checkpoint", checkpoint);
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteStartObject("servers");
            foreach (var (server, origin) in _servers.OrderBy(s => s.Key, StringComparer.Ordinal))
            {
                writer.WriteString(server, origin);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        string temporary = _path + ".tmp";
        File.WriteAllBytes(temporary, stream.ToArray());
        File.Move(temporary, _path, overwrite: true);
    }

    private void Keep(string origin, string vkey, string checkpoint, string server)
    {
        _logs[origin] = (vkey, StripToLogSignature(checkpoint, vkey));
        if (server.Length > 0)
        {
            _servers[server] = origin;
        }
    }

    private static string StripToLogSignature(string checkpoint, string vkey) =>
        NoteVerifier.TryParse(vkey, out var key, out _) && SignedNote.TryParse(checkpoint, out var note, out _)
            ? note!.Text + "\n" + string.Concat(note.Signatures.Where(s => s.IsBy(key!)).Select(s => s.Line))
            : checkpoint;

    private static string Normalize(string url) => url.EndsWith('/') ? url : url + "/";
}
