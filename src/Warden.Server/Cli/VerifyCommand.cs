using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Warden.Core.Trust;
using Warden.Server.Trust;

namespace Warden.Server.Cli;

/// <summary>
/// <c>warden verify</c>: checks a receipt's signature against the published keys and the bodies a user kept against the
/// hashes it states, its inclusion in the transparency log under a checkpoint signed by the log's note key (and
/// cosigned by k trusted witnesses with <c>--witnesses k</c>), and that checkpoint's consistency with the one pinned
/// from earlier runs. One line per check ("PASS signature", "FAIL response_hash: …"); exit 0 only when all pass,
/// 1 when a check fails (a server refusing a proof is a failed check), 2 when the command was used wrongly or a
/// file or server could not be read at all.
/// </summary>
internal static class VerifyCommand
{
    private static readonly byte[] TrailerPrefix = ": warden-receipt "u8.ToArray();

    public static Command Build()
    {
        var receipt = new Option<string?>("--receipt") { Description = "The receipt: the raw JWS, or the JSON from GET /v1/receipts/{request-id}." };
        var jwks = new Option<string?>("--jwks") { Description = "The published keys, saved from /.well-known/warden/jwks.json." };
        var server = new Option<string?>("--server") { Description = "A Warden base URL to fetch /.well-known/warden/jwks.json (and the log's key and proofs) from." };
        var request = new Option<string?>("--request") { Description = "The request body the client sent." };
        var response = new Option<string?>("--response") { Description = "The response bytes the client received (a stream's trailing receipt comment is ignored)." };
        var upstream = new Option<string?>("--upstream-request") { Description = "The body sent upstream, when you have it." };
        var requestId = new Option<string?>("--request-id") { Description = "The request id you asked for; the receipt must be that request's." };
        var inclusionProof = new Option<string?>("--inclusion-proof") { Description = "The receipt's inclusion proof, saved from GET /v1/transparency/proof/inclusion." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "A signed checkpoint you saved; the inclusion proof must lead to it." };
        var log = new Option<bool>("--log") { Description = "With --server: fetch the receipt's inclusion proof from the server's transparency log." };
        var logKey = LogKeyOption();
        var (witnessKeys, witnesses) = WitnessOptions();
        var (state, noPin) = PinOptions();
        var command = new Command("verify", "Verify a receipt's signature and the bodies you kept against it, and its inclusion in the transparency log.")
        {
            receipt, jwks, server, request, response, upstream, requestId, inclusionProof, checkpoint, log, logKey, witnessKeys, witnesses, state, noPin,
            BuildConsistency(),
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CommonOptions.Out(parse);
            var error = CommonOptions.Error(parse);
            string? receiptPath = parse.GetValue(receipt);
            string? jwksPath = parse.GetValue(jwks);
            string? serverUrl = parse.GetValue(server);
            bool wantsLog = parse.GetValue(log) || parse.GetValue(inclusionProof) is not null;
            if (receiptPath is null || (jwksPath is null) == (serverUrl is null) || (parse.GetValue(log) && serverUrl is null)
                || (wantsLog && serverUrl is null && parse.GetValue(logKey) is null))
            {
                await error.WriteLineAsync("usage: warden verify --receipt FILE (--jwks FILE | --server URL) [--request FILE] [--response FILE] [--upstream-request FILE] [--request-id ID]"
                    + " [--log | --inclusion-proof FILE [--checkpoint FILE]] [--log-key VKEY] [--witnesses K --witness-key VKEY …] [--state FILE | --no-pin]");
                return 2;
            }

            try
            {
                var trust = await ReadTrustAsync(parse, logKey, witnessKeys, witnesses, serverUrl, wantsLog, cancellationToken);
                if (trust.Usage is not null)
                {
                    await error.WriteLineAsync(trust.Usage);
                    return 2;
                }

                var (jws, storedRequestId) = ReadReceipt(File.ReadAllBytes(receiptPath));
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

                var checks = new List<VerificationCheck>();
                string payloadId = ReceiptRequestId(jws);
                if (storedRequestId is not null || parse.GetValue(requestId) is not null)
                {
                    checks.Add(RequestIdCheck(payloadId, storedRequestId, parse.GetValue(requestId)));
                }

                LogInclusionEvidence? inclusion = null;
                if (wantsLog)
                {
                    var (evidence, refusal) = await ReadInclusionAsync(jws, payloadId, trust, parse.GetValue(inclusionProof), parse.GetValue(checkpoint),
                        parse.GetValue(log) ? serverUrl : null, cancellationToken);
                    inclusion = evidence;
                    if (refusal is not null)
                    {
                        checks.Add(refusal);
                    }
                }

                var receiptEvidence = new ReceiptEvidence
                {
                    ClientRequestBody = ReadOptional(parse.GetValue(request)),
                    UpstreamRequestBody = ReadOptional(parse.GetValue(upstream)),
                    ResponseBody = responseBody,
                    Inclusion = inclusion,
                };
                var report = ReceiptVerifier.Verify(jws, keys!, receiptEvidence);
                checks.AddRange(report.Checks);
                if (inclusion is not null)
                {
                    checks.AddRange(await CheckpointChecksAsync(inclusion.SignedCheckpoint, trust, serverUrl, parse.GetValue(state), parse.GetValue(noPin), cancellationToken));
                }

                return await PrintAsync(output, checks);
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
    /// <c>warden verify consistency --old FILE --new FILE (--log-key VKEY | --server URL) [--proof FILE]</c>: checks
    /// that the later checkpoint extends the earlier one (the log was only appended to), and the later one against the
    /// pinned checkpoint. Without --proof, the proof is fetched from --server.
    /// </summary>
    private static Command BuildConsistency()
    {
        var older = new Option<string?>("--old") { Description = "The earlier signed checkpoint you saved." };
        var newer = new Option<string?>("--new") { Description = "The later signed checkpoint you saved." };
        var server = new Option<string?>("--server") { Description = "A Warden base URL to fetch the log's key (and the proof, when --proof is not given) from." };
        var proofFile = new Option<string?>("--proof") { Description = "The consistency proof, saved from GET /v1/transparency/proof/consistency." };
        var logKey = LogKeyOption();
        var (witnessKeys, witnesses) = WitnessOptions();
        var (state, noPin) = PinOptions();
        var command = new Command("consistency", "Check that a later transparency-log checkpoint extends an earlier one.")
        {
            older, newer, server, proofFile, logKey, witnessKeys, witnesses, state, noPin,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var output = CommonOptions.Out(parse);
            var error = CommonOptions.Error(parse);
            string? oldPath = parse.GetValue(older);
            string? newPath = parse.GetValue(newer);
            string? serverUrl = parse.GetValue(server);
            string? proofPath = parse.GetValue(proofFile);
            if (oldPath is null || newPath is null || (parse.GetValue(logKey) is null && serverUrl is null) || (proofPath is null && serverUrl is null))
            {
                await error.WriteLineAsync("usage: warden verify consistency --old FILE --new FILE (--log-key VKEY | --server URL) [--proof FILE] [--witnesses K --witness-key VKEY …] [--state FILE | --no-pin]");
                return 2;
            }

            try
            {
                var trust = await ReadTrustAsync(parse, logKey, witnessKeys, witnesses, serverUrl, needsLogKey: true, cancellationToken);
                if (trust.Usage is not null)
                {
                    await error.WriteLineAsync(trust.Usage);
                    return 2;
                }

                string oldText = await File.ReadAllTextAsync(oldPath, cancellationToken);
                string newText = await File.ReadAllTextAsync(newPath, cancellationToken);
                IReadOnlyList<byte[]>? proof = [];
                if (proofPath is not null)
                {
                    proof = LogProofJson.ReadConsistency(File.ReadAllBytes(proofPath)).Proof;
                }
                else
                {
                    var a = SignedCheckpoint.Verify(oldText, trust.LogKeys).Checkpoint;
                    var b = SignedCheckpoint.Verify(newText, trust.LogKeys).Checkpoint;
                    if (a is not null && b is not null && a.TreeSize <= b.TreeSize)
                    {
                        proof = await FetchConsistencyAsync(serverUrl!, a.TreeSize, b.TreeSize, cancellationToken);
                    }
                }

                var checks = new List<VerificationCheck>();
                if (proof is null)
                {
                    checks.Add(new VerificationCheck("consistency", false, "the server would not give the consistency proof between the two sizes"));
                    return await PrintAsync(output, checks);
                }

                var report = LogVerifier.VerifyConsistency(oldText, newText, proof, trust.LogKeys);
                checks.AddRange(report.Checks);
                if (report.Checks.All(c => c.Passed))
                {
                    checks.AddRange(await CheckpointChecksAsync(newText, trust, serverUrl, parse.GetValue(state), parse.GetValue(noPin), cancellationToken));
                }

                return await PrintAsync(output, checks);
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

    private static Option<string?> LogKeyOption() =>
        new("--log-key") { Description = "The log's verifier key (vkey text or a file holding it), from /.well-known/warden/log.vkey; fetched from --server when not given." };

    private static (Option<string[]> Keys, Option<int> Required) WitnessOptions() => (
        new Option<string[]>("--witness-key") { Description = "A witness you trust: its verifier key (vkey text or a file). Repeat for more." },
        new Option<int>("--witnesses") { Description = "How many of the --witness-key witnesses must have cosigned the checkpoint (default 0)." });

    private static (Option<string?> State, Option<bool> NoPin) PinOptions() => (
        new Option<string?>("--state") { Description = "The file keeping the last verified checkpoint per log (default: " + CheckpointPins.DefaultPath + ")." },
        new Option<bool>("--no-pin") { Description = "Do not compare with, or keep, the last verified checkpoint." });

    /// <summary>The log key and witness keys to check checkpoints with; Usage is set when they were given wrongly.</summary>
    private sealed record Trust(IReadOnlyCollection<NoteVerifier> LogKeys, IReadOnlyCollection<NoteVerifier> WitnessKeys, int Required, string? Usage);

    private static async Task<Trust> ReadTrustAsync(
        ParseResult parse, Option<string?> logKey, Option<string[]> witnessKeys, Option<int> witnesses, string? serverUrl, bool needsLogKey, CancellationToken cancellationToken)
    {
        var witnessList = new List<NoteVerifier>();
        foreach (string text in parse.GetValue(witnessKeys) ?? [])
        {
            if (!NoteVerifier.TryParse(ReadKeyText(text), out var key, out string? problem) || key!.Type != NoteVerifier.CosignatureType)
            {
                return new Trust([], [], 0, $"--witness-key {text}: {problem ?? "not a witness cosignature key (type 0x04)"}");
            }

            witnessList.Add(key);
        }

        int required = parse.GetValue(witnesses);
        if (required < 0 || required > witnessList.Count)
        {
            return new Trust([], [], 0, $"--witnesses {required} needs at least that many --witness-key keys (given: {witnessList.Count})");
        }

        if (!needsLogKey && required == 0)
        {
            return new Trust([], witnessList, 0, null);
        }

        string? vkey = parse.GetValue(logKey) is { } given ? ReadKeyText(given)
            : serverUrl is not null ? Encoding.UTF8.GetString(await FetchOrThrowAsync(serverUrl, ".well-known/warden/log.vkey", cancellationToken))
            : null;
        if (vkey is null)
        {
            return new Trust([], witnessList, required, "checking the log needs --log-key VKEY or --server URL");
        }

        if (!NoteVerifier.TryParse(vkey, out var log, out string? error) || log!.Type != NoteVerifier.Ed25519Type)
        {
            return new Trust([], witnessList, required, $"the log key {vkey.Trim()}: {error ?? "not a log note key (type 0x01)"}");
        }

        return new Trust([log], witnessList, required, null);
    }

    // A key given as text, or as the path of a file holding it.
    private static string ReadKeyText(string text) => File.Exists(text) ? File.ReadAllText(text).Trim() : text.Trim();

    // Witness cosignatures and the pin, on a checkpoint whose log signature the other checks verified.
    private static async Task<List<VerificationCheck>> CheckpointChecksAsync(
        string signedCheckpoint, Trust trust, string? serverUrl, string? statePath, bool noPin, CancellationToken cancellationToken)
    {
        var checks = new List<VerificationCheck>();
        if (!SignedCheckpoint.Verify(signedCheckpoint, trust.LogKeys).IsValid)
        {
            return checks;
        }

        if (trust.Required > 0)
        {
            var (valid, invalid) = SignedCheckpoint.Cosigners(signedCheckpoint, trust.WitnessKeys);
            bool enough = valid.Count >= trust.Required && invalid.Count == 0;
            checks.Add(new VerificationCheck("witnesses", enough,
                $"{valid.Count} of the {trust.WitnessKeys.Count} trusted witnesses cosigned the checkpoint (required: {trust.Required})"
                + (invalid.Count > 0 ? $"; {invalid.Count} cosignature(s) by a trusted witness do not verify" : "")));
        }

        if (!noPin)
        {
            var pins = CheckpointPins.Load(statePath ?? CheckpointPins.DefaultPath);
            var check = await pins.CheckAsync(signedCheckpoint, trust.LogKeys.Single(), serverUrl, (from, to) =>
                serverUrl is null ? Task.FromResult<IReadOnlyList<byte[]>?>(null) : FetchConsistencyAsync(serverUrl, from, to, cancellationToken));
            checks.Add(check);
            if (check.Passed)
            {
                pins.Save();
            }
        }

        return checks;
    }

    private static VerificationCheck RequestIdCheck(string payloadId, string? storedId, string? askedId)
    {
        if (storedId is not null && storedId != payloadId)
        {
            return new VerificationCheck("request_id", false, $"the server stored this receipt under request id {storedId}, but it is the receipt of request {payloadId}");
        }

        if (askedId is not null && askedId != payloadId)
        {
            return new VerificationCheck("request_id", false, $"the receipt is for request {payloadId}, not {askedId}");
        }

        return new VerificationCheck("request_id", true, $"the receipt is for request {payloadId}");
    }

    private static async Task<IReadOnlyList<byte[]>?> FetchConsistencyAsync(string serverUrl, long from, long to, CancellationToken cancellationToken)
    {
        var (status, body) = await FetchAsync(serverUrl, string.Create(CultureInfo.InvariantCulture, $"v1/transparency/proof/consistency?from={from}&to={to}"), cancellationToken);
        return status == HttpStatusCode.OK ? LogProofJson.ReadConsistency(body).Proof : null;
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

    /// <summary>
    /// The inclusion evidence from a saved proof file, or fetched by the receipt's leaf hash (at the size of a saved
    /// checkpoint, or of the largest checkpoint k witnesses cosigned). A server that refuses what an honest log would
    /// answer is a failed check, not a usage error.
    /// </summary>
    private static async Task<(LogInclusionEvidence? Evidence, VerificationCheck? Refusal)> ReadInclusionAsync(
        string jws, string requestId, Trust trust, string? proofPath, string? checkpointPath, string? serverUrl, CancellationToken cancellationToken)
    {
        string? savedCheckpoint = checkpointPath is null ? null : await File.ReadAllTextAsync(checkpointPath, cancellationToken);
        byte[] json;
        if (proofPath is not null)
        {
            json = File.ReadAllBytes(proofPath);
        }
        else if (serverUrl is not null)
        {
            if (savedCheckpoint is null && trust.Required > 0)
            {
                var (status, cosigned) = await FetchAsync(serverUrl, string.Create(CultureInfo.InvariantCulture, $"v1/transparency/checkpoint?cosignatures={trust.Required}"), cancellationToken);
                if (status != HttpStatusCode.OK)
                {
                    return (null, new VerificationCheck("witnesses", false, $"the server has no checkpoint with {trust.Required} witness cosignatures (answered {(int)status})"));
                }

                savedCheckpoint = Encoding.UTF8.GetString(cosigned);
            }

            string path = "v1/transparency/proof/inclusion?leaf_hash=" + Convert.ToHexStringLower(LogEntry.ReceiptLeafHash(jws))
                + "&request_id=" + Uri.EscapeDataString(requestId);
            if (savedCheckpoint is not null && SignedNote.TryParse(savedCheckpoint, out var note, out _) && Checkpoint.TryParseBody(note!.Text, out var body, out _))
            {
                path += string.Create(CultureInfo.InvariantCulture, $"&size={body!.TreeSize}");
            }

            var (answered, bytes) = await FetchAsync(serverUrl, path, cancellationToken);
            if (answered != HttpStatusCode.OK)
            {
                return (null, new VerificationCheck("log_inclusion", false,
                    $"the server has no inclusion proof for this receipt{(savedCheckpoint is null ? "" : " under the checkpoint used")} (answered {(int)answered}): its entry is not in the log"));
            }

            json = bytes;
        }
        else
        {
            return (null, null);
        }

        var (index, _, proof, checkpoint) = LogProofJson.ReadInclusion(json);
        string? signed = savedCheckpoint ?? checkpoint;
        if (signed is null)
        {
            return (null, new VerificationCheck("log_inclusion", false, "the inclusion proof names no signed checkpoint; give --checkpoint FILE"));
        }

        return (new LogInclusionEvidence(index, proof, signed, trust.LogKeys), null);
    }

    // The request id in the receipt's payload (the log finds a receipt's entry by it); empty when unreadable, which the
    // server answers with "not found".
    private static string ReceiptRequestId(string jws)
    {
        return ReceiptBatch.TryReadPayload(jws, out byte[]? payload) && ReceiptJson.TryParse(payload, out var claims, out _)
            ? claims!.RequestId
            : "";
    }

    // A GET answered by the server (any status); connection failures throw (exit 2).
    private static async Task<(HttpStatusCode Status, byte[] Body)> FetchAsync(string serverUrl, string relative, CancellationToken cancellationToken)
    {
        var baseUri = new Uri(serverUrl.EndsWith('/') ? serverUrl : serverUrl + "/");
        using var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        using var invoker = new HttpMessageInvoker(handler);
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(baseUri, relative));
        using var result = await invoker.SendAsync(message, cancellationToken);
        return (result.StatusCode, await result.Content.ReadAsByteArrayAsync(cancellationToken));
    }

    private static async Task<byte[]> FetchOrThrowAsync(string serverUrl, string relative, CancellationToken cancellationToken)
    {
        var (status, body) = await FetchAsync(serverUrl, relative, cancellationToken);
        return status == HttpStatusCode.OK ? body : throw new HttpRequestException($"GET {relative} answered {(int)status}");
    }

    /// <summary>The JWS from a file holding it raw, or holding <c>{"request_id":…,"receipt":"…"}</c> (then also that request id).</summary>
    internal static (string Jws, string? StoredRequestId) ReadReceipt(byte[] file)
    {
        string text = Encoding.UTF8.GetString(file).Trim();
        if (!text.StartsWith('{'))
        {
            return (text, null);
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("receipt", out var value) && value.ValueKind == JsonValueKind.String)
            {
                string? id = document.RootElement.TryGetProperty("request_id", out var stored) && stored.ValueKind == JsonValueKind.String ? stored.GetString() : null;
                return (value.GetString()!, id);
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

    private static Task<byte[]> FetchJwksAsync(string serverUrl, CancellationToken cancellationToken) =>
        FetchOrThrowAsync(serverUrl, ".well-known/warden/jwks.json", cancellationToken);
}
