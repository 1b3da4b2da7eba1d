using System.Text;
using Warden.Core.Chat;
using Warden.Core.Trust;

namespace Warden.Core.Tests.Trust;

public class ReceiptTests
{
    private static readonly byte[] ClientBody = Encoding.UTF8.GetBytes("{\"model\":\"claude-opus-4-1\",\"messages\":[{\"role\":\"user\",\"content\":\"filler\"}]}");
    private static readonly byte[] UpstreamBody = Encoding.UTF8.GetBytes("{\"model\":\"claude-opus-4-1-20250805\",\"messages\":[{\"role\":\"user\",\"content\":\"filler\"}]}");
    private static readonly byte[] ResponseBody = Encoding.UTF8.GetBytes("{\"id\":\"msg_1\",\"content\":[{\"type\":\"text\",\"text\":\"filler\"}]}");
    private static readonly byte[] UpstreamResponseBody = Encoding.UTF8.GetBytes("{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"filler\"}]}");

    internal static ReceiptClaims SampleClaims() => new()
    {
        RequestId = "req_01",
        IssuedAt = new DateTimeOffset(2026, 11, 22, 6, 5, 49, 123, TimeSpan.Zero),
        KeyFingerprint = "wk_3f9a",
        RequestedModel = "claude-opus-4-1",
        ServedModel = "claude-opus-4-1-20250805",
        Provider = "anthropic",
        Channel = "anthropic-eu",
        Jurisdiction = "EU",
        UpstreamRequestId = "req_011CV",
        ClientRequestSha256 = ReceiptJson.Sha256Hex(ClientBody),
        UpstreamRequestSha256 = ReceiptJson.Sha256Hex(UpstreamBody),
        ResponseSha256 = ReceiptJson.Sha256Hex(ResponseBody),
        UpstreamHost = "api.anthropic.com",
        UpstreamPort = 443,
        UpstreamTlsSpkiSha256 = ReceiptJson.Sha256Hex("spki"u8),
        UpstreamResponseSha256 = ReceiptJson.Sha256Hex(UpstreamResponseBody),
        Usage = new Usage(1200, 340, 1000, 0, 120, UsageSource.Reported),
        PriceVersion = "2026-11-01",
        Cost = new ReceiptCost(12_345, "USD"),
        Changes = ["left_out:anthropic.cache_control"],
        Redactions = [],
        Attempts = [new ReceiptAttempt("anthropic-us", "error", 529), new ReceiptAttempt("anthropic-eu", "ok", 200)],
        Fallback = ReceiptFallback.None,
    };

    [Fact]
    public void Claims_serialise_in_the_documented_fixed_order()
    {
        string json = Encoding.UTF8.GetString(ReceiptJson.ToUtf8(SampleClaims()));
        string expected =
            "{\"v\":1,\"request_id\":\"req_01\",\"issued_at\":\"2026-11-22T06:05:49.123Z\",\"key_fingerprint\":\"wk_3f9a\","
            + "\"requested_model\":\"claude-opus-4-1\",\"served_model\":\"claude-opus-4-1-20250805\",\"provider\":\"anthropic\","
            + "\"channel\":\"anthropic-eu\",\"jurisdiction\":\"EU\",\"upstream_request_id\":\"req_011CV\","
            + $"\"client_request_sha256\":\"{ReceiptJson.Sha256Hex(ClientBody)}\",\"upstream_request_sha256\":\"{ReceiptJson.Sha256Hex(UpstreamBody)}\","
            + $"\"response_sha256\":\"{ReceiptJson.Sha256Hex(ResponseBody)}\","
            + $"\"upstream_host\":\"api.anthropic.com\",\"upstream_port\":443,\"upstream_tls_spki_sha256\":\"{ReceiptJson.Sha256Hex("spki"u8)}\","
            + $"\"upstream_response_sha256\":\"{ReceiptJson.Sha256Hex(UpstreamResponseBody)}\","
            + "\"usage\":{\"input_tokens\":1200,\"output_tokens\":340,\"cache_read_tokens\":1000,\"cache_write_tokens\":0,\"reasoning_tokens\":120,\"source\":\"reported\"},"
            + "\"price_version\":\"2026-11-01\",\"billed_model\":null,\"cost\":{\"amount_micros\":12345,\"currency\":\"USD\"},\"policy_version\":null,\"config_digest\":null,"
            + "\"changes\":[\"left_out:anthropic.cache_control\"],\"redactions\":[],"
            + "\"attempts\":[{\"channel\":\"anthropic-us\",\"outcome\":\"error\",\"status\":529},{\"channel\":\"anthropic-eu\",\"outcome\":\"ok\",\"status\":200}],"
            + "\"fallback\":{\"used\":false,\"from_model\":null,\"to_model\":null},\"retention\":\"none\"}";
        Assert.Equal(expected, json);
    }

    [Fact]
    public void Sha256_hex_is_lower_case_and_matches_a_known_digest()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ReceiptJson.Sha256Hex("abc"u8));
    }

    [Fact]
    public void Claims_round_trip_byte_for_byte_including_nulls()
    {
        ReceiptClaims sparse = SampleClaims() with
        {
            ServedModel = null,
            Jurisdiction = null,
            UpstreamRequestId = null,
            UpstreamRequestSha256 = null,
            UpstreamTlsSpkiSha256 = null,
            Usage = Usage.NotReported,
            PriceVersion = null,
            Cost = null,
            Attempts = [new ReceiptAttempt("c", "timeout", null)],
            Fallback = new ReceiptFallback(true, "gpt-5", "gpt-5-mini"),
            Redactions = ["header:x-api-key"],
        };

        foreach (ReceiptClaims claims in new[] { SampleClaims(), sparse })
        {
            byte[] bytes = ReceiptJson.ToUtf8(claims);
            Assert.True(ReceiptJson.TryParse(bytes, out ReceiptClaims? parsed, out string? error), error);
            Assert.Equal(bytes, ReceiptJson.ToUtf8(parsed!));
            Assert.Equal(claims.IssuedAt, parsed!.IssuedAt);
            Assert.Equal(claims.Usage, parsed.Usage);
            Assert.Equal(claims.Fallback, parsed.Fallback);
            Assert.Equal(claims.Attempts, parsed.Attempts);
        }
    }

    [Theory]
    [InlineData("\"v\":1", "\"v\":3")]
    [InlineData("\"retention\":\"none\"", "\"retention\":\"30d\"")]
    [InlineData("\"issued_at\":\"2026-11-22T06:05:49.123Z\"", "\"issued_at\":\"2026-11-22 06:05:49\"")]
    [InlineData(",\"provider\":\"anthropic\"", "")]
    [InlineData("\"source\":\"reported\"", "\"source\":\"guessed\"")]
    [InlineData("\"input_tokens\":1200", "\"input_tokens\":\"1200\"")]
    [InlineData("\"status\":529", "\"status\":5290")]
    [InlineData("\"used\":false", "\"used\":0")]
    [InlineData("\"upstream_port\":443", "\"upstream_port\":70000")]
    [InlineData("\"upstream_tls_spki_sha256\":\"", "\"upstream_tls_spki_sha256\":\"X")]
    public void Malformed_claims_are_refused_with_a_reason(string from, string to)
    {
        string json = Encoding.UTF8.GetString(ReceiptJson.ToUtf8(SampleClaims()));
        Assert.Contains(from, json, StringComparison.Ordinal);
        Assert.False(ReceiptJson.TryParse(Encoding.UTF8.GetBytes(json.Replace(from, to, StringComparison.Ordinal)), out _, out string? error));
        Assert.NotNull(error);
    }

    [Fact]
    public void A_receipt_signed_before_receipts_bound_the_upstream_still_reads_with_no_upstream()
    {
        string json = Encoding.UTF8.GetString(ReceiptJson.ToUtf8(SampleClaims()));
        int start = json.IndexOf(",\"upstream_host\"", StringComparison.Ordinal);
        int end = json.IndexOf(",\"usage\"", StringComparison.Ordinal);
        Assert.True(ReceiptJson.TryParse(Encoding.UTF8.GetBytes(json.Remove(start, end - start)), out ReceiptClaims? parsed, out string? error), error);
        Assert.Equal((null, null, null, null), (parsed!.UpstreamHost, parsed.UpstreamPort, parsed.UpstreamTlsSpkiSha256, parsed.UpstreamResponseSha256));
    }

    [Fact]
    public void An_upper_case_hash_is_refused()
    {
        string json = Encoding.UTF8.GetString(ReceiptJson.ToUtf8(SampleClaims()));
        string hash = ReceiptJson.Sha256Hex(ResponseBody);
        Assert.False(ReceiptJson.TryParse(Encoding.UTF8.GetBytes(json.Replace(hash, hash.ToUpperInvariant(), StringComparison.Ordinal)), out _, out _));
    }
}
