using System.CommandLine;
using System.Text;
using System.Text.Json;
using Warden.Core.Trust;

namespace Warden.Server.Cli;

/// <summary>
/// <c>warden verify</c>: checks a receipt's signature against the published keys and the bodies a user kept against the
/// hashes it states. One line per check ("PASS signature", "FAIL response_hash: …"); exit 0 only when all pass,
/// 1 when a check fails, 2 when the command was used wrongly (missing or unreadable files).
/// </summary>
internal static class VerifyCommand
{
    private static readonly byte[] TrailerPrefix = ": warden-receipt "u8.ToArray();

    public static Command Build()
    {
        var receipt = new Option<string?>("--receipt") { Description = "The receipt: the raw JWS, or the JSON from GET /v1/receipts/{request-id}." };
        var jwks = new Option<string?>("--jwks") { Description = "The published keys, saved from /.well-known/warden/jwks.json." };
        var server = new Option<string?>("--server") { Description = "A Warden base URL to fetch /.well-known/warden/jwks.json from." };
        var request = new Option<string?>("--request") { Description = "The request body the client sent." };
        var response = new Option<string?>("--response") { Description = "The response bytes the client received (a stream's trailing receipt comment is ignored)." };
        var upstream = new Option<string?>("--upstream-request") { Description = "The body sent upstream, when you have it." };
        var command = new Command("verify", "Verify a receipt's signature and the bodies you kept against it.") { receipt, jwks, server, request, response, upstream };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CommonOptions.Out(parse);
            var error = CommonOptions.Error(parse);
            string? receiptPath = parse.GetValue(receipt);
            string? jwksPath = parse.GetValue(jwks);
            string? serverUrl = parse.GetValue(server);
            if (receiptPath is null || (jwksPath is null) == (serverUrl is null))
            {
                await error.WriteLineAsync("usage: warden verify --receipt FILE (--jwks FILE | --server URL) [--request FILE] [--response FILE] [--upstream-request FILE]");
                return 2;
            }

            try
            {
                string jws = ReadReceipt(File.ReadAllBytes(receiptPath));
                byte[] keyBytes = jwksPath is not null ? File.ReadAllBytes(jwksPath) : await FetchJwksAsync(serverUrl!, cancellationToken);
                if (!JsonWebKeySet.TryParse(keyBytes, out JsonWebKeySet? keys, out string? keysError))
                {
                    await error.WriteLineAsync("The published keys are not a valid JWK Set: " + keysError);
                    return 2;
                }

                byte[]? responseBody = ReadOptional(parse.GetValue(response));
                if (responseBody is not null && StripTrailer(ref responseBody))
                {
                    await output.WriteLineAsync("note: the response file ends with the receipt comment; it was left out of the hash, as Warden does.");
                }

                var evidence = new ReceiptEvidence
                {
                    ClientRequestBody = ReadOptional(parse.GetValue(request)),
                    UpstreamRequestBody = ReadOptional(parse.GetValue(upstream)),
                    ResponseBody = responseBody,
                };
                var report = ReceiptVerifier.Verify(jws, keys!, evidence);
                bool allPassed = true;
                foreach (var check in report.Checks)
                {
                    allPassed &= check.Passed;
                    await output.WriteLineAsync((check.Passed ? "PASS " : "FAIL ") + check.Name + ": " + check.Detail);
                }

                await output.WriteLineAsync(allPassed ? "RESULT: PASS" : "RESULT: FAIL");
                return allPassed ? 0 : 1;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or UriFormatException or FormatException)
            {
                await error.WriteLineAsync("Could not read the inputs: " + ex.Message);
                return 2;
            }
        });
        return command;
    }

    /// <summary>The JWS from a file holding it raw, or holding <c>{"request_id":…,"receipt":"…"}</c>.</summary>
    internal static string ReadReceipt(byte[] file)
    {
        string text = Encoding.UTF8.GetString(file).Trim();
        if (!text.StartsWith('{'))
        {
            return text;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("receipt", out var value) && value.ValueKind == JsonValueKind.String)
            {
                return value.GetString()!;
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        throw new FormatException("the receipt file is JSON without a string \"receipt\" field");
    }

    /// <summary>Removes a final <c>: warden-receipt …\n\n</c> line from a saved stream; true when there was one.</summary>
    internal static bool StripTrailer(ref byte[] body)
    {
        ReadOnlySpan<byte> span = body;
        if (!span.EndsWith("\n\n"u8))
        {
            return false;
        }

        int start = span[..^2].LastIndexOf((byte)'\n') + 1;
        if (!span[start..].StartsWith(TrailerPrefix))
        {
            return false;
        }

        body = span[..start].ToArray();
        return true;
    }

    private static byte[]? ReadOptional(string? path) => path is null ? null : File.ReadAllBytes(path);

    private static async Task<byte[]> FetchJwksAsync(string serverUrl, CancellationToken cancellationToken)
    {
        var baseUri = new Uri(serverUrl.EndsWith('/') ? serverUrl : serverUrl + "/");
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        using var invoker = new HttpMessageInvoker(handler);
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, ".well-known/warden/jwks.json"));
        using var result = await invoker.SendAsync(message, cancellationToken);
        if (!result.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {message.RequestUri} answered {(int)result.StatusCode}");
        }

        return await result.Content.ReadAsByteArrayAsync(cancellationToken);
    }
}
