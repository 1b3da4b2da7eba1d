using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Core.Trust;

/// <summary>
/// The published public keys (RFC 7517 JWK Set, <c>{"keys":[…]}</c>) served at /.well-known/warden/jwks.json:
/// the current signing key first, then retired keys, so receipts signed before a rotation still verify.
/// </summary>
public sealed class JsonWebKeySet
{
    private readonly Dictionary<string, JsonWebKey> _byId;

    /// <summary>A set of keys; duplicate key ids are kept once.</summary>
    public JsonWebKeySet(IEnumerable<JsonWebKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var list = new List<JsonWebKey>();
        _byId = new Dictionary<string, JsonWebKey>(StringComparer.Ordinal);
        foreach (JsonWebKey key in keys)
        {
            if (_byId.TryAdd(key.KeyId, key))
            {
                list.Add(key);
            }
        }

        Keys = list;
    }

    /// <summary>The keys, in publication order.</summary>
    public IReadOnlyList<JsonWebKey> Keys { get; }

    /// <summary>The key with this id, or null.</summary>
    public JsonWebKey? Find(string keyId) => _byId.GetValueOrDefault(keyId);

    /// <summary>Writes <c>{"keys":[…]}</c>.</summary>
    public void WriteTo(IBufferWriter<byte> output)
    {
        using var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        writer.WriteStartArray("keys");
        foreach (JsonWebKey key in Keys)
        {
            key.WriteTo(writer);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>
    /// Reads a JWK Set. Keys of other types (e.g. RSA) are skipped; a malformed EC P-256 key, or JSON that is not a
    /// JWK Set, is an error.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out JsonWebKeySet? set, out string? error)
    {
        set = null;
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            error = "JWKS is not valid JSON: " + ex.Message;
            return false;
        }

        using (document)
        {
            try
            {
                return TryRead(document.RootElement, out set, out error);
            }
            catch (InvalidOperationException)
            {
                error = "JWKS holds text that is not valid UTF-8";
                return false;
            }
        }
    }

    private static bool TryRead(JsonElement root, out JsonWebKeySet? set, out string? error)
    {
        set = null;
        {
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("keys", out JsonElement keys) || keys.ValueKind != JsonValueKind.Array)
            {
                error = "JWKS must be an object with a \"keys\" array";
                return false;
            }

            var parsed = new List<JsonWebKey>();
            int index = 0;
            foreach (JsonElement element in keys.EnumerateArray())
            {
                bool isEcP256 = element.ValueKind == JsonValueKind.Object
                    && element.TryGetProperty("kty", out JsonElement kty) && kty.ValueKind == JsonValueKind.String && kty.GetString() == "EC"
                    && element.TryGetProperty("crv", out JsonElement crv) && crv.ValueKind == JsonValueKind.String && crv.GetString() == "P-256";
                if (isEcP256)
                {
                    if (!JsonWebKey.TryParse(element, out JsonWebKey? key, out string? keyError))
                    {
                        error = $"keys[{index}]: {keyError}";
                        return false;
                    }

                    parsed.Add(key!);
                }

                index++;
            }

            set = new JsonWebKeySet(parsed);
            error = null;
            return true;
        }
    }
}
