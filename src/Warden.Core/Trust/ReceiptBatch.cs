using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Trust;

/// <summary>
/// Version 2 receipts (issue 25, docs/trust.md "What is inside"): one ES256 signature over a batch of receipts. The
/// claims payloads of the batch are the leaves of an RFC 9162 Merkle tree (leaf = SHA-256(0x00 ‖ payload), node =
/// SHA-256(0x01 ‖ left ‖ right)); a compact JWS of type <see cref="HeaderType"/> signs the batch header
/// <c>{"v":2,"kid":…,"issued_at":…,"size":n,"root":"&lt;64 hex&gt;"}</c>; and each receipt is the text
/// <c>&lt;batch JWS&gt;~&lt;base64url(payload)&gt;~&lt;leaf index&gt;~&lt;base64url(inclusion path)&gt;</c>, the path being
/// the RFC 9162 §2.1.3 inclusion proof's 32-byte hashes concatenated, leaf side first (empty for a batch of one). So a
/// receipt still verifies alone: recompute its leaf from its own payload, fold the path up to the root, and check the
/// header's signature.
/// </summary>
public static class ReceiptBatch
{
    /// <summary>The JWS "typ" of a batch header.</summary>
    public const string HeaderType = "warden-receipt-batch+jws";

    /// <summary>Separates the four parts of a version 2 receipt; never part of a compact JWS or of base64url text.</summary>
    public const char Separator = '~';

    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>True when <paramref name="receipt"/> has the version 2 (batched) form rather than a lone JWS.</summary>
    public static bool IsBatched(string receipt) => receipt is not null && receipt.Contains(Separator, StringComparison.Ordinal);

    /// <summary>
    /// Signs a batch: one signature over the header of the Merkle tree of <paramref name="payloads"/> (receipt claims
    /// payloads with "v" 2, <see cref="ReceiptJson.Write"/>); returns each payload's receipt, in order.
    /// </summary>
    public static string[] Sign(IReadOnlyList<byte[]> payloads, EcSigningKey key, DateTimeOffset issuedAt)
    {
        ArgumentNullException.ThrowIfNull(payloads);
        ArgumentNullException.ThrowIfNull(key);
        if (payloads.Count == 0)
        {
            return [];
        }

        var tree = new MerkleTree();
        foreach (byte[] payload in payloads)
        {
            tree.Append(payload);
        }

        byte[] root = tree.RootHash();
        string header = CompactJws.Sign(HeaderJson(key.KeyId, issuedAt, payloads.Count, root), key, HeaderType);
        var receipts = new string[payloads.Count];
        var text = new StringBuilder();
        for (int i = 0; i < payloads.Count; i++)
        {
            text.Clear();
            text.Append(header).Append(Separator).Append(Base64Url.EncodeToString(payloads[i])).Append(Separator)
                .Append(i.ToString(CultureInfo.InvariantCulture)).Append(Separator);
            IReadOnlyList<byte[]> path = tree.InclusionProof(i, payloads.Count);
            if (path.Count > 0)
            {
                byte[] joined = new byte[path.Count * MerkleHash.Size];
                for (int p = 0; p < path.Count; p++)
                {
                    path[p].CopyTo(joined, p * MerkleHash.Size);
                }

                text.Append(Base64Url.EncodeToString(joined));
            }

            receipts[i] = text.ToString();
        }

        return receipts;
    }

    /// <summary>The batch header JSON, fields in this order: v, kid, issued_at, size, root (lower-case hex).</summary>
    public static byte[] HeaderJson(string keyId, DateTimeOffset issuedAt, int size, ReadOnlySpan<byte> root)
    {
        var buffer = new ArrayBufferWriter<byte>(192);
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("v", ReceiptClaims.CurrentVersion);
            w.WriteString("kid", keyId);
            w.WriteString("issued_at", issuedAt.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture));
            w.WriteNumber("size", size);
            w.WriteString("root", Convert.ToHexStringLower(root));
            w.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The claims payload of a receipt of either version, without checking any signature (for finding its request id);
    /// false when the text has neither form.
    /// </summary>
    public static bool TryReadPayload(string receipt, out byte[]? payload)
    {
        payload = null;
        if (string.IsNullOrEmpty(receipt))
        {
            return false;
        }

        string[] parts = IsBatched(receipt) ? receipt.Split(Separator) : receipt.Split('.');
        return IsBatched(receipt)
            ? parts.Length == 4 && Base64UrlText.TryDecodeCanonical(parts[1], out payload)
            : parts.Length == 3 && Base64UrlText.TryDecodeCanonical(parts[1], out payload);
    }

    /// <summary>
    /// Checks a version 2 receipt: its batch header's JWS against <paramref name="keys"/>, the header's fields, and that
    /// its payload is leaf <c>index</c> of the tree whose root the header states. On success the outcome carries the
    /// claims payload (not yet parsed).
    /// </summary>
    public static BatchVerification Verify(string receipt, JsonWebKeySet keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        string[] parts = (receipt ?? string.Empty).Split(Separator);
        if (parts.Length != 4)
        {
            return BatchVerification.Fail(new JwsVerification(JwsStatus.Malformed, "a batched receipt has exactly four '~'-separated parts", null, null, null));
        }

        JwsVerification jws = CompactJws.Verify(parts[0], keys);
        if (!jws.IsValid)
        {
            return BatchVerification.Fail(jws);
        }

        if (jws.Type != HeaderType)
        {
            return BatchVerification.Fail(jws, $"the batch header's typ is \"{jws.Type}\", not \"{HeaderType}\"");
        }

        if (!TryReadHeader(jws.Payload!, out BatchHeader? header, out string? headerError))
        {
            return BatchVerification.Fail(jws, headerError!);
        }

        if (header!.KeyId != jws.KeyId)
        {
            return BatchVerification.Fail(jws, $"the batch header names key {header.KeyId}, but key {jws.KeyId} signed it", header);
        }

        if (!Base64UrlText.TryDecodeCanonical(parts[1], out byte[]? payload))
        {
            return BatchVerification.Fail(jws, "the claims part is not canonical base64url without padding", header);
        }

        if (!TryReadIndex(parts[2], header.Size, out int index))
        {
            return BatchVerification.Fail(jws, $"the leaf index \"{parts[2]}\" is not a number below the batch size {header.Size}", header);
        }

        byte[]? joined = parts[3].Length == 0 ? [] : Base64UrlText.TryDecodeCanonical(parts[3], out byte[]? decoded) ? decoded : null;
        if (joined is null || joined.Length % MerkleHash.Size != 0)
        {
            return BatchVerification.Fail(jws, "the inclusion path is not canonical base64url of whole 32-byte hashes", header);
        }

        var path = new byte[joined.Length / MerkleHash.Size][];
        for (int i = 0; i < path.Length; i++)
        {
            path[i] = joined[(i * MerkleHash.Size)..((i + 1) * MerkleHash.Size)];
        }

        byte[]? root = MerkleProof.RootFromInclusionProof(index, header.Size, MerkleHash.Leaf(payload), path);
        if (root is null || !CryptographicOperations.FixedTimeEquals(root, header.Root))
        {
            return BatchVerification.Fail(jws, $"the claims with the inclusion path do not lead to the root of the signed batch (leaf {index} of {header.Size})", header);
        }

        return new BatchVerification(jws, header, index, payload, null);
    }

    private static bool TryReadIndex(string text, int size, out int index)
    {
        // The one spelling of each number: digits only, no leading zero, so no two texts name the same leaf.
        index = -1;
        return text.Length is > 0 and <= 9
            && text.All(char.IsAsciiDigit)
            && (text.Length == 1 || text[0] != '0')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index)
            && index < size;
    }

    private static bool TryReadHeader(byte[] json, out BatchHeader? header, out string? error)
    {
        header = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("v", out JsonElement v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int version) || version != ReceiptClaims.CurrentVersion)
            {
                error = $"the batch header is not a JSON object with \"v\" {ReceiptClaims.CurrentVersion}";
                return false;
            }

            if (!root.TryGetProperty("kid", out JsonElement kid) || kid.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("issued_at", out JsonElement at) || at.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParseExact(at.GetString(), TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset issuedAt)
                || !root.TryGetProperty("size", out JsonElement size) || size.ValueKind != JsonValueKind.Number || !size.TryGetInt32(out int count) || count < 1
                || !root.TryGetProperty("root", out JsonElement rootHash) || rootHash.ValueKind != JsonValueKind.String
                || rootHash.GetString() is not { Length: 64 } hex || !hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
            {
                error = "the batch header needs kid, issued_at (RFC 3339 UTC with milliseconds), size (1 or more) and root (64 lower-case hex)";
                return false;
            }

            header = new BatchHeader(kid.GetString()!, issuedAt, count, Convert.FromHexString(hex));
            error = null;
            return true;
        }
        catch (JsonException)
        {
            error = "the batch header is not valid UTF-8 JSON";
            return false;
        }
    }
}

/// <summary>The signed header of a batch of receipts.</summary>
/// <param name="KeyId">The id of the key that signed it (also the JWS header's kid).</param>
/// <param name="IssuedAt">When the batch was signed.</param>
/// <param name="Size">How many receipts the batch holds (the Merkle tree's size).</param>
/// <param name="Root">The Merkle tree's root hash.</param>
public sealed record BatchHeader(string KeyId, DateTimeOffset IssuedAt, int Size, byte[] Root);

/// <summary>What <see cref="ReceiptBatch.Verify"/> found.</summary>
/// <param name="Header">The batch header's JWS check (its status, kid and typ).</param>
/// <param name="Batch">The header's fields, when its signature held and it parsed.</param>
/// <param name="LeafIndex">The receipt's leaf index in the batch; -1 unless it verified.</param>
/// <param name="Payload">The claims payload; only set when the receipt verified.</param>
/// <param name="Problem">Why the batch part failed after a valid header signature; null otherwise.</param>
public sealed record BatchVerification(JwsVerification Header, BatchHeader? Batch, int LeafIndex, byte[]? Payload, string? Problem)
{
    /// <summary>True when the header's signature held and the receipt's claims lead to its root.</summary>
    public bool IsValid => Header.IsValid && Problem is null && Payload is not null;

    internal static BatchVerification Fail(JwsVerification header, string? problem = null, BatchHeader? batch = null) =>
        new(header, batch, -1, null, problem ?? (header.IsValid ? "invalid" : null));
}
