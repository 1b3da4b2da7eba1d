using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Warden.Core.Trust;
using Warden.Server.Trust;

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
        var inclusionProof = new Option<string?>("--inclusion-proof") { Description = "The receipt's inclusion proof, saved from GET /v1/transparency/proof/inclusion." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A signed checkpoint you saved; the inclusion proof must lead to it." };
        var log = new Option<bool>("--log") { Description = "With --server: fetch the receipt's inclusion proof from the server's transparency log." };
        var command = new Command("verify", "Verify a receipt's signature and the bodies you kept against it, and its inclusion in the transparency log.")
        {
            receipt, jwks, server, request, response, upstream, inclusionProof, checkpoint, log, BuildConsistency(),
        };
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
                    Inclusion = await ReadInclusionAsync(
                        jws, parse.GetValue(inclusionProof), parse.GetValue(checkpoint), parse.GetValue(log) ? serverUrl : null, cancellationToken),
                };
                var report = ReceiptVerifier.Verify(jws, keys!, evidence);
                return await PrintAsync(output, report.Checks);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or UriFormatException or FormatException
                or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                await error.WriteLineAsync("Could not read the inputs: " + ex.Message);
                return 2;
            }
        });
        return command;
    }

    /// <summary>
    /// <c>warden verify consistency --old FILE --new FILE (--jwks FILE | --server URL) [--proof FILE]</c>: checks that
    /// the later checkpoint extends the earlier one (the log was only appended to). Without --proof, the proof is fetched
    /// from --server.
    /// </summary>
    private static Command BuildConsistency()
    {
        var older = new Option<string?>("--old") { Description = "The earlier signed checkpoint you saved." };
        var newer = new Option<string?>("--new") { Description = "The later signed checkpoint you saved." };
        var jwks = new Option<string?>("--jwks") { Description = "The published keys, saved from /.well-known/warden/jwks.json." };
        var server = new Option<string?>("--server") { Description = "A Warden base URL to fetch the keys (and the proof, when --proof is not given) from." };
        var proofFile = new Option<string?>("--proof") { Description = "The consistency proof, saved from GET /v1/transparency/proof/consistency." };
        var command = new Command("consistency", "Check that a later transparency-log checkpoint extends an earlier one.") { older, newer, jwks, server, proofFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CommonOptions.Out(parse);
            var error = CommonOptions.Error(parse);
            string? oldPath = parse.GetValue(older);
            string? newPath = parse.GetValue(newer);
            string? jwksPath = parse.GetValue(jwks);
            string? serverUrl = parse.GetValue(server);
            string? proofPath = parse.GetValue(proofFile);
            if (oldPath is null || newPath is null || (jwksPath is null && serverUrl is null) || (proofPath is null && serverUrl is null))
            {
                await error.WriteLineAsync("usage: warden verify consistency --old FILE --new FILE (--jwks FILE | --server URL) [--proof FILE]");
                return 2;
            }

            try
            {
                string oldText = await File.ReadAllTextAsync(oldPath, cancellationToken);
                string newText = await File.ReadAllTextAsync(newPath, cancellationToken);
                byte[] keyBytes = jwksPath is not null ? File.ReadAllBytes(jwksPath) : await FetchJwksAsync(serverUrl!, cancellationToken);
                if (!JsonWebKeySet.TryParse(keyBytes, out JsonWebKeySet? keys, out string? keysError))
                {
                    await error.WriteLineAsync("The published keys are not a valid JWK Set: " + keysError);
                    return 2;
                }

                IReadOnlyList<byte[]> proof = [];
                if (proofPath is not null)
                {
                    proof = LogProofJson.ReadConsistency(File.ReadAllBytes(proofPath)).Proof;
                }
                else
                {
                    var a = SignedCheckpoint.Verify(oldText, keys!).Checkpoint;
                    var b = SignedCheckpoint.Verify(newText, keys!).Checkpoint;
                    if (a is not null && b is not null && a.TreeSize <= b.TreeSize)
                    {
                        proof = LogProofJson.ReadConsistency(await FetchAsync(serverUrl!,
                            string.Create(CultureInfo.InvariantCulture, $"v1/transparency/proof/consistency?from={a.TreeSize}&to={b.TreeSize}"), cancellationToken)).Proof;
                    }
                }

                var report = LogVerifier.VerifyConsistency(oldText, newText, proof, keys!);
                return await PrintAsync(output, report.Checks);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or UriFormatException or FormatException
                or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                await error.WriteLineAsync("Could not read the inputs: " + ex.Message);
                return 2;
            }
        });
        return command;
    }

    private static async Task<int> PrintAsync(TextWriter output, IEnumerable<VerificationCheck> checks)
    {
        bool allPassed = true;
        foreach (var check in checks)
        {
            allPassed &= check.Passed;
            await output.WriteLineAsync((check.Passed ? "PASS " : "FAIL ") + check.Name + ": " + check.Detail);
        }

        await output.WriteLineAsync(allPassed ? "RESULT: PASS" : "RESULT: FAIL");
        return allPassed ? 0 : 1;
    }

    /// <summary>The inclusion evidence from a saved proof file, or fetched by the receipt's leaf hash; null when neither was asked for.</summary>
    private static async Task<LogInclusionEvidence?> ReadInclusionAsync(string jws, string? proofPath, string? checkpointPath, string? serverUrl, CancellationToken cancellationToken)
    {
        string? savedCheckpoint = checkpointPath is null ? null : await File.ReadAllTextAsync(checkpointPath, cancellationToken);
        byte[] json;
        if (proofPath is not null)
        {
            json = File.ReadAllBytes(proofPath);
        }
        else if (serverUrl is not null)
        {
            string path = "v1/transparency/proof/inclusion?leaf_hash=" + Convert.ToHexStringLower(LogEntry.ReceiptLeafHash(jws))
                + "&request_id=" + Uri.EscapeDataString(ReceiptRequestId(jws));
            if (savedCheckpoint is not null && Checkpoint.TryParseBody(savedCheckpoint[..(savedCheckpoint.IndexOf("\n\n", StringComparison.Ordinal) + 1)], out var body, out _))
            {
                path += string.Create(CultureInfo.InvariantCulture, $"&size={body!.TreeSize}");
            }

            json = await FetchAsync(serverUrl, path, cancellationToken);
        }
        else
        {
            return null;
        }

        var (index, _, proof, checkpoint) = LogProofJson.ReadInclusion(json);
        string signed = savedCheckpoint ?? checkpoint ?? throw new FormatException("the inclusion proof has no checkpoint; give --checkpoint FILE");
        return new LogInclusionEvidence(index, proof, signed);
    }

    // The request id in the receipt's payload (the log finds a receipt's entry by it); empty when unreadable, which the
    // server answers with "not found".
    private static string ReceiptRequestId(string jws)
    {
        string[] parts = jws.Split('.');
        try
        {
            return parts.Length == 3 && ReceiptJson.TryParse(System.Buffers.Text.Base64Url.DecodeFromChars(parts[1]), out var claims, out _)
                ? claims!.RequestId
                : "";
        }
        catch (FormatException)
        {
            return "";
        }
    }

    private static async Task<byte[]> FetchAsync(string serverUrl, string relative, CancellationToken cancellationToken)
    {
        var baseUri = new Uri(serverUrl.EndsWith('/') ? serverUrl : serverUrl + "/");
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        using var invoker = new HttpMessageInvoker(handler);
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, relative));
        using var result = await invoker.SendAsync(message, cancellationToken);
        if (!result.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"GET {message.RequestUri} answered {(int)result.StatusCode}");
        }

        return await result.Content.ReadAsByteArrayAsync(cancellationToken);
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
