using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Warden.Core.Chat;

namespace Warden.Core.Trust;

/// <summary>
/// The receipt payload JSON: compact, written with Utf8JsonWriter in one fixed order so the same claims always
/// give the same bytes. Every field is always present (null when unknown):
/// v, request_id, issued_at, key_fingerprint, requested_model, served_model, provider, channel, jurisdiction,
/// upstream_request_id, client_request_sha256, upstream_request_sha256, response_sha256,
/// upstream_host, upstream_port, upstream_tls_spki_sha256, upstream_response_sha256,
/// usage{input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens, source},
/// price_version, billed_model, cost{amount_micros, currency}, changes[], redactions[], attempts[{channel, outcome, status}],
/// fallback{used, from_model, to_model}, retention.
/// </summary>
public static class ReceiptJson
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _payload;

    /// <summary>The JWS "typ" of a receipt.</summary>
    public const string JwsType = "warden-receipt+jws";

    /// <summary>SHA-256 of <paramref name="bytes"/> as 64 lower-case hex characters.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>
    /// Signs the claims alone, as a version 1 receipt: a compact ES256 JWS whose payload is <see cref="ToUtf8"/> with
    /// "v" 1. Warden's signer makes version 2 receipts (<see cref="ReceiptBatch"/>); this form is kept for the receipts
    /// signed before, which still verify.
    /// </summary>
    public static string Sign(ReceiptClaims claims, EcSigningKey key)
    {
        ArgumentNullException.ThrowIfNull(claims);

        // One payload buffer per thread, reused: signing is synchronous.
        var payload = _payload ??= new ArrayBufferWriter<byte>(2048);
        payload.ResetWrittenCount();
        Write(claims.Version == ReceiptClaims.SingleSignatureVersion ? claims : claims with { Version = ReceiptClaims.SingleSignatureVersion }, payload);
        return CompactJws.Sign(payload.WrittenSpan, key, JwsType);
    }

    /// <summary>The payload bytes.</summary>
    public static byte[] ToUtf8(ReceiptClaims claims)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(claims, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes the payload JSON.</summary>
    public static void Write(ReceiptClaims claims, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(claims);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        w.WriteStartObject();
        w.WriteNumber("v", claims.Version);
        w.WriteString("request_id", claims.RequestId);
        Span<char> issuedAt = stackalloc char[TimeFormat.Length];
        claims.IssuedAt.ToUniversalTime().TryFormat(issuedAt, out int issuedAtLength, TimeFormat, CultureInfo.InvariantCulture);
        w.WriteString("issued_at", issuedAt[..issuedAtLength]);
        w.WriteString("key_fingerprint", claims.KeyFingerprint);
        w.WriteString("requested_model", claims.RequestedModel);
        WriteNullable(w, "served_model", claims.ServedModel);
        w.WriteString("provider", claims.Provider);
        w.WriteString("channel", claims.Channel);
        WriteNullable(w, "jurisdiction", claims.Jurisdiction);
        WriteNullable(w, "upstream_request_id", claims.UpstreamRequestId);
        w.WriteString("client_request_sha256", claims.ClientRequestSha256);
        WriteNullable(w, "upstream_request_sha256", claims.UpstreamRequestSha256);
        w.WriteString("response_sha256", claims.ResponseSha256);
        WriteNullable(w, "upstream_host", claims.UpstreamHost);
        WriteNullable(w, "upstream_port", claims.UpstreamPort);
        WriteNullable(w, "upstream_tls_spki_sha256", claims.UpstreamTlsSpkiSha256);
        WriteNullable(w, "upstream_response_sha256", claims.UpstreamResponseSha256);

        w.WriteStartObject("usage");
        WriteNullable(w, "input_tokens", claims.Usage.InputTokens);
        WriteNullable(w, "output_tokens", claims.Usage.OutputTokens);
        WriteNullable(w, "cache_read_tokens", claims.Usage.CacheReadTokens);
        WriteNullable(w, "cache_write_tokens", claims.Usage.CacheWriteTokens);
        WriteNullable(w, "reasoning_tokens", claims.Usage.ReasoningTokens);
        w.WriteString("source", SourceName(claims.Usage.Source));
        w.WriteEndObject();

        WriteNullable(w, "price_version", claims.PriceVersion);
        WriteNullable(w, "billed_model", claims.BilledModel);
        if (claims.Cost is { } cost)
        {
            w.WriteStartObject("cost");
            w.WriteNumber("amount_micros", cost.AmountMicros);
            w.WriteString("currency", cost.Currency);
            w.WriteEndObject();
        }
        else
        {
            w.WriteNull("cost");
        }

        WriteNullable(w, "policy_version", claims.PolicyVersion);
        WriteNullable(w, "config_digest", claims.ConfigDigest);

        WriteStrings(w, "changes", claims.Changes);
        WriteStrings(w, "redactions", claims.Redactions);

        w.WriteStartArray("attempts");
        foreach (ReceiptAttempt attempt in claims.Attempts)
        {
            w.WriteStartObject();
            w.WriteString("channel", attempt.Channel);
            w.WriteString("outcome", attempt.Outcome);
            WriteNullable(w, "status", attempt.Status);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartObject("fallback");
        w.WriteBoolean("used", claims.Fallback.Used);
        WriteNullable(w, "from_model", claims.Fallback.FromModel);
        WriteNullable(w, "to_model", claims.Fallback.ToModel);
        w.WriteEndObject();

        w.WriteString("retention", claims.Retention);
        w.WriteEndObject();
    }

    /// <summary>Reads a payload of version 1 or 2 (the same fields), every field present with its type, hashes as 64 lower-case hex.</summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out ReceiptClaims? claims, out string? error)
    {
        claims = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            claims = Read(document.RootElement);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            error = "receipt payload is not valid UTF-8 JSON: " + ex.Message;
            return false;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    private static ReceiptClaims Read(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("the receipt payload is not a JSON object");
        }

        if (!root.TryGetProperty("v", out JsonElement v) || v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int version)
            || version is not (ReceiptClaims.SingleSignatureVersion or ReceiptClaims.CurrentVersion))
        {
            throw new FormatException($"\"v\" must be {ReceiptClaims.SingleSignatureVersion} or {ReceiptClaims.CurrentVersion}");
        }

        string issuedAtText = RequiredString(root, "issued_at");
        if (!DateTimeOffset.TryParseExact(issuedAtText, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset issuedAt))
        {
            throw new FormatException("\"issued_at\" must be RFC 3339 UTC with milliseconds, e.g. 2026-01-02T03:04:05.678Z");
        }

        JsonElement usage = RequiredObject(root, "usage");
        JsonElement fallback = RequiredObject(root, "fallback");
        JsonElement cost = Required(root, "cost");
        string retention = RequiredString(root, "retention");
        if (retention != ReceiptClaims.RetentionNone)
        {
            throw new FormatException("\"retention\" must be \"none\"");
        }

        return new ReceiptClaims
        {
            Version = version,
            RequestId = RequiredString(root, "request_id"),
            IssuedAt = issuedAt,
            KeyFingerprint = RequiredString(root, "key_fingerprint"),
            RequestedModel = RequiredString(root, "requested_model"),
            ServedModel = NullableString(root, "served_model"),
            Provider = RequiredString(root, "provider"),
            Channel = RequiredString(root, "channel"),
            Jurisdiction = NullableString(root, "jurisdiction"),
            UpstreamRequestId = NullableString(root, "upstream_request_id"),
            ClientRequestSha256 = Hash(RequiredString(root, "client_request_sha256"), "client_request_sha256"),
            UpstreamRequestSha256 = NullableString(root, "upstream_request_sha256") is { } upstream ? Hash(upstream, "upstream_request_sha256") : null,
            ResponseSha256 = Hash(RequiredString(root, "response_sha256"), "response_sha256"),

            // Added when receipts bound the upstream (issue 19); receipts signed before it have none of the four.
            UpstreamHost = root.TryGetProperty("upstream_host", out _) ? NullableString(root, "upstream_host") : null,
            UpstreamPort = root.TryGetProperty("upstream_port", out _) ? Port(NullableInt64(root, "upstream_port")) : null,
            UpstreamTlsSpkiSha256 = OptionalHash(root, "upstream_tls_spki_sha256"),
            UpstreamResponseSha256 = OptionalHash(root, "upstream_response_sha256"),
            Usage = new Usage(
                NullableInt64(usage, "input_tokens"),
                NullableInt64(usage, "output_tokens"),
                NullableInt64(usage, "cache_read_tokens"),
                NullableInt64(usage, "cache_write_tokens"),
                NullableInt64(usage, "reasoning_tokens"),
                ParseSource(RequiredString(usage, "source"))),
            PriceVersion = NullableString(root, "price_version"),

            // Added with fallback pricing (issue 18); receipts signed before it have none.
            BilledModel = root.TryGetProperty("billed_model", out _) ? NullableString(root, "billed_model") : null,
            Cost = cost.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.Object => new ReceiptCost(RequiredInt64(cost, "amount_micros"), RequiredString(cost, "currency")),
                _ => throw new FormatException("\"cost\" must be an object or null"),
            },

            // Added with configuration commitments (issue 19); receipts signed before them have neither.
            PolicyVersion = root.TryGetProperty("policy_version", out _) ? NullableInt64(root, "policy_version") : null,
            ConfigDigest = root.TryGetProperty("config_digest", out _) && NullableString(root, "config_digest") is { } digest ? Hash(digest, "config_digest") : null,
            Changes = Strings(root, "changes"),
            Redactions = Strings(root, "redactions"),
            Attempts = [.. RequiredArray(root, "attempts").EnumerateArray().Select(ReadAttempt)],
            Fallback = new ReceiptFallback(
                Required(fallback, "used").ValueKind switch
                {
                    JsonValueKind.True => true,
                    JsonValueKind.False => false,
                    _ => throw new FormatException("\"fallback.used\" must be a boolean"),
                },
                NullableString(fallback, "from_model"),
                NullableString(fallback, "to_model")),
            Retention = retention,
        };
    }

    private static ReceiptAttempt ReadAttempt(JsonElement attempt)
    {
        if (attempt.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException("each attempt must be an object");
        }

        long? status = NullableInt64(attempt, "status");
        return new ReceiptAttempt(
            RequiredString(attempt, "channel"),
            RequiredString(attempt, "outcome"),
            status switch
            {
                null => null,
                >= 0 and <= 999 => (int)status.Value,
                _ => throw new FormatException("\"status\" must be an HTTP status or null"),
            });
    }

    private static string? OptionalHash(JsonElement root, string name) =>
        root.TryGetProperty(name, out _) && NullableString(root, name) is { } value ? Hash(value, name) : null;

    private static int? Port(long? port) => port switch
    {
        null => null,
        >= 1 and <= 65535 => (int)port.Value,
        _ => throw new FormatException("\"upstream_port\" must be a TCP port (1-65535) or null"),
    };

    private static string Hash(string value, string name) =>
        value.Length == 64 && value.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f')
            ? value
            : throw new FormatException($"\"{name}\" must be 64 lower-case hex characters");

    private static JsonElement Required(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out JsonElement value) ? value : throw new FormatException($"\"{name}\" is missing");

    private static JsonElement RequiredObject(JsonElement parent, string name) =>
        Required(parent, name) is { ValueKind: JsonValueKind.Object } value ? value : throw new FormatException($"\"{name}\" must be an object");

    private static JsonElement RequiredArray(JsonElement parent, string name) =>
        Required(parent, name) is { ValueKind: JsonValueKind.Array } value ? value : throw new FormatException($"\"{name}\" must be an array");

    private static string RequiredString(JsonElement parent, string name) =>
        Required(parent, name) is { ValueKind: JsonValueKind.String } value ? value.GetString()! : throw new FormatException($"\"{name}\" must be a string");

    private static string? NullableString(JsonElement parent, string name) => Required(parent, name) switch
    {
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw new FormatException($"\"{name}\" must be a string or null"),
    };

    private static long RequiredInt64(JsonElement parent, string name) =>
        NullableInt64(parent, name) ?? throw new FormatException($"\"{name}\" must be an integer");

    private static long? NullableInt64(JsonElement parent, string name) => Required(parent, name) switch
    {
        { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.Number } value when value.TryGetInt64(out long n) => n,
        _ => throw new FormatException($"\"{name}\" must be an integer or null"),
    };

    private static List<string> Strings(JsonElement parent, string name) =>
        [.. RequiredArray(parent, name).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new FormatException($"\"{name}\" must hold strings only"))];

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, long? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteNumber(name, value.Value);
        }
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (string value in values)
        {
            w.WriteStringValue(value);
        }

        w.WriteEndArray();
    }

    private static string SourceName(UsageSource source) => source switch
    {
        UsageSource.Reported => "reported",
        UsageSource.Estimated => "estimated",
        _ => "not_reported",
    };

    private static UsageSource ParseSource(string name) => name switch
    {
        "reported" => UsageSource.Reported,
        "estimated" => UsageSource.Estimated,
        "not_reported" => UsageSource.NotReported,
        _ => throw new FormatException("\"usage.source\" must be \"reported\", \"estimated\" or \"not_reported\""),
    };
}
