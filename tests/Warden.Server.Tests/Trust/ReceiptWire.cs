using System.Net.Http.Headers;
using System.Text;
using Warden.Core.Trust;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Trust;

/// <summary>Raw requests of each client protocol, and helpers that split a stream from its trailing receipt comment.</summary>
internal static class ReceiptWire
{
    public static readonly byte[] TrailerPrefix = ": warden-receipt "u8.ToArray();

    /// <summary>
    /// A request of <paramref name="protocol"/> ("chat", "anthropic", "responses", "gemini", "gemini-array") whose one
    /// user message is <paramref name="text"/> (plain ASCII without quotes or backslashes).
    /// </summary>
    public static (HttpRequestMessage Request, byte[] Body) Build(string protocol, string key, bool stream, string model = "sim-small", string text = "Hello, receipts.")
    {
        string streamField = stream ? ",\"stream\":true" : "";
        var (path, body) = protocol switch
        {
            "chat" => ("v1/chat/completions", $"{{\"model\":\"{model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"{text}\"}}]{streamField}}}"),
            "anthropic" => ("v1/messages", $"{{\"model\":\"{model}\",\"max_tokens\":256,\"messages\":[{{\"role\":\"user\",\"content\":\"{text}\"}}]{streamField}}}"),
            "responses" => ("v1/responses", $"{{\"model\":\"{model}\",\"input\":\"{text}\"{streamField}}}"),
            "gemini" => (stream ? $"v1beta/models/{model}:streamGenerateContent?alt=sse" : $"v1beta/models/{model}:generateContent",
                $"{{\"contents\":[{{\"role\":\"user\",\"parts\":[{{\"text\":\"{text}\"}}]}}]}}"),
            "gemini-array" => ($"v1beta/models/{model}:streamGenerateContent", $"{{\"contents\":[{{\"role\":\"user\",\"parts\":[{{\"text\":\"{text}\"}}]}}]}}"),
            _ => throw new ArgumentOutOfRangeException(nameof(protocol)),
        };
        byte[] bytes = Encoding.UTF8.GetBytes(body);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        switch (protocol)
        {
            case "anthropic":
                request.Headers.Add("x-api-key", key);
                request.Headers.Add("anthropic-version", "2023-06-01");
                break;
            case "gemini" or "gemini-array":
                request.Headers.Add("x-goog-api-key", key);
                break;
            default:
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
                break;
        }

        return (request, bytes);
    }

    /// <summary>Splits a received stream into the bytes before the receipt comment and the receipt; fails when the stream does not end with one.</summary>
    public static (byte[] Before, string Jws) SplitTrailer(byte[] received)
    {
        Assert.True(received.AsSpan().EndsWith("\n\n"u8), "the stream ends with a blank line");
        int start = received.AsSpan(0, received.Length - 2).LastIndexOf((byte)'\n') + 1;
        Assert.True(received.AsSpan(start).StartsWith(TrailerPrefix), "the last line is the receipt comment: " + Encoding.UTF8.GetString(received.AsSpan(start)));
        string jws = Encoding.ASCII.GetString(received.AsSpan(start + TrailerPrefix.Length, received.Length - 2 - start - TrailerPrefix.Length));
        return (received[..start], jws);
    }

    /// <summary>The log's C2SP note verifier key, as published.</summary>
    public static async Task<IReadOnlyCollection<NoteVerifier>> LogKeysAsync(WardenTestServer server)
    {
        string vkey = await server.Http.GetStringAsync(".well-known/warden/log.vkey");
        Assert.True(NoteVerifier.TryParse(vkey, out var key, out string? error), error);
        return [key!];
    }

    public static async Task<JsonWebKeySet> JwksAsync(WardenTestServer server)
    {
        using var response = await server.Http.GetAsync(".well-known/warden/jwks.json");
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Headers.CacheControl?.MaxAge);
        byte[] bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.DoesNotContain("\"d\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.True(JsonWebKeySet.TryParse(bytes, out var keys, out string? error), error);
        return keys!;
    }

    /// <summary>Verifies a receipt with every body it covers and returns its claims; fails with the report when a check fails.</summary>
    public static ReceiptClaims AssertVerifies(string jws, JsonWebKeySet keys, byte[] requestBody, byte[] responseBody)
    {
        var report = ReceiptVerifier.Verify(jws, keys, new ReceiptEvidence { ClientRequestBody = requestBody, ResponseBody = responseBody });
        Assert.True(report.AllPassed, string.Join("\n", report.Checks.Select(c => $"{c.Passed} {c.Name}: {c.Detail}")));
        Assert.Contains(report.Checks, c => c.Name == "response_hash" && c.Passed);
        Assert.Contains(report.Checks, c => c.Name == "request_hash" && c.Passed);
        return report.Claims!;
    }
}
