using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Server.Trust;

/// <summary>
/// The JSON of the log's proofs, as the server writes them and <c>warden verify</c> reads them:
/// inclusion <c>{"leaf_index":N,"tree_size":M,"leaf_hash":"&lt;hex&gt;","proof":["&lt;base64&gt;",…],"checkpoint":"&lt;signed note&gt;"}</c>,
/// consistency <c>{"from":A,"to":B,"proof":[…]}</c>. Hashes in the proof are standard base64 of 32 bytes.
/// </summary>
internal static class LogProofJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] WriteInclusion(InclusionAnswer answer)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteNumber("leaf_index", answer.Index);
            writer.WriteNumber("tree_size", answer.TreeSize);
            writer.WriteString("leaf_hash", Convert.ToHexStringLower(answer.LeafHash));
            WriteProof(writer, answer.Proof);
            if (answer.SignedCheckpoint is null)
            {
                writer.WriteNull("checkpoint");
            }
            else
            {
                writer.WriteString("checkpoint", answer.SignedCheckpoint);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] WriteConsistency(long from, long to, IReadOnlyList<byte[]> proof)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteNumber("from", from);
            writer.WriteNumber("to", to);
            WriteProof(writer, proof);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads an inclusion proof; the checkpoint is null when the file has none.</summary>
    public static (long Index, long TreeSize, List<byte[]> Proof, string? Checkpoint) ReadInclusion(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        string? checkpoint = root.TryGetProperty("checkpoint", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
        return (root.GetProperty("leaf_index").GetInt64(), root.GetProperty("tree_size").GetInt64(), ReadProof(root), checkpoint);
    }

    /// <summary>Reads a consistency proof.</summary>
    public static (long From, long To, List<byte[]> Proof) ReadConsistency(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return (root.GetProperty("from").GetInt64(), root.GetProperty("to").GetInt64(), ReadProof(root));
    }

    private static void WriteProof(Utf8JsonWriter writer, IReadOnlyList<byte[]> proof)
    {
        writer.WriteStartArray("proof");
        foreach (byte[] hash in proof)
        {
            writer.WriteStringValue(Convert.ToBase64String(hash));
        }

        writer.WriteEndArray();
    }

    private static List<byte[]> ReadProof(JsonElement root) =>
        [.. root.GetProperty("proof").EnumerateArray().Select(e => Convert.FromBase64String(e.GetString() ?? ""))];
}
