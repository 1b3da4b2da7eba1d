using System.Globalization;
using System.Text;
using System.Text.Json;
using Warden.Core.Trust;
using Warden.Server.Trust;

namespace Warden.Server.Audit.Checks;

/// <summary>
/// The "Warden targets" check (docs/trust.md): when the target serves Warden receipts, every answer's receipt verifies
/// against the published keys (a version 2 receipt also through its path to its signed batch root), its <c>response_sha256</c> covers exactly the bytes received (a stream's bytes before its
/// <c>: warden-receipt</c> line; a Gemini stream, which has none, whole), it is the receipt of the request id the answer
/// carried and of the model asked for, the server returns the same receipt under that id, its entry is in the
/// transparency log under the checkpoint taken at the end of the run, that checkpoint is consistent with the one taken
/// at the start, and the upstream host it names is one the user expects. The verification is the one
/// <c>warden verify</c> runs (<see cref="ReceiptVerifier"/>, <see cref="LogVerifier"/>).
/// </summary>
/// <remarks>
/// The decision is cryptographic, not statistical: an honest Warden's receipts always verify (a false alarm needs a
/// forged signature or a hash collision), and one receipt that fails is the finding. Skipped when the target publishes no
/// receipt keys and no answer carries a receipt.
/// </remarks>
internal sealed class ReceiptsCheck : IAuditCheck
{
    private const string JwksPath = ".well-known/warden/jwks.json";
    private const string LogKeyPath = ".well-known/warden/log.vkey";
    private const string CheckpointPath = "v1/transparency/checkpoint";
    private static readonly byte[] TrailerPrefix = ": warden-receipt "u8.ToArray();

    public string Id => AuditCheckIds.Receipts;

    public string Title => "Warden receipts";

    public int DefaultRequests => 12;

    public async Task<AuditCheckResult> RunAsync(AuditContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var target = context.Target;
        int startRequests = target.RequestsSent;
        long startTokens = target.TokensSpent;
        var findings = new List<string>();
        var tally = new Tally();

        if (context.RequestBudget < 2)
        {
            // One complete and one streamed answer at least: the receipt travels differently in each.
            return new AuditCheckResult
            {
                Id = Id,
                Title = Title,
                Verdict = AuditVerdict.Inconclusive,
                Summary = string.Create(CultureInfo.InvariantCulture, $"a budget of {context.RequestBudget} requests is too small (needs 2)"),
            };
        }

        var (jwksStatus, jwksBody) = await target.GetAsync(JwksPath, cancellationToken);
        JsonWebKeySet? keys = null;
        if (jwksStatus == 200 && !JsonWebKeySet.TryParse(Encoding.UTF8.GetBytes(jwksBody), out keys, out string? keysError))
        {
            findings.Add($"/{JwksPath} is not a valid JWK Set: {keysError}");
        }

        var (_, startCheckpoint) = await target.GetAsync(CheckpointPath, cancellationToken);

        int count = Math.Min(DefaultRequests, context.RequestBudget);
        var received = new List<Received>();
        int succeeded = 0;
        for (int i = 0; i < count; i++)
        {
            // Half streamed, half complete: the receipt travels differently in each.
            var prompt = new AuditPrompt
            {
                Messages = [AuditMessage.User($"Reply with one short sentence about the number {context.Random.Next(1000, 10000)}.")],
                MaxTokens = 32,
                Stream = i % 2 == 1,
            };
            var reply = await target.SendAsync(prompt, cancellationToken);
            context.Progress(1);
            if (!reply.Succeeded)
            {
                continue;
            }

            succeeded++;
            received.Add(await FindReceiptAsync(target, i + 1, prompt.Stream, reply, cancellationToken));
        }

        var result = new AuditCheckResult
        {
            Id = Id,
            Title = Title,
            Verdict = AuditVerdict.Skipped,
            Summary = "",
            Requests = target.RequestsSent - startRequests,
            Tokens = target.TokensSpent - startTokens,
        };
        int withReceipt = received.Count(r => r.Jws is not null);
        if (succeeded == 0)
        {
            return result with { Verdict = AuditVerdict.Inconclusive, Summary = $"none of the {count} requests was answered, so no receipt could be checked" };
        }

        if (withReceipt == 0 && keys is null)
        {
            return result with { Summary = "the target serves no Warden receipts (no receipt on any answer, no published receipt keys)" };
        }

        foreach (var missing in received.Where(r => r.Jws is null))
        {
            findings.Add($"answer {missing.Number} ({(missing.Streamed ? "streamed" : "complete")}) carried no receipt and none is stored under its request id, although the target publishes receipt keys");
            tally.Add("receipt present", false);
        }

        if (keys is null)
        {
            findings.Add($"answers carry receipts but /{JwksPath} answered {jwksStatus}: no key to verify them with");
        }
        else
        {
            foreach (var one in received.Where(r => r.Jws is not null))
            {
                tally.Add("receipt present", true);
                VerifyReceipt(one, keys, target.Model, context.Settings.ExpectUpstreamHosts, tally, findings);
            }
        }

        await CheckLogAsync(target, startCheckpoint, received.Where(r => r.Jws is not null).ToList(), tally, findings, cancellationToken);

        int verified = received.Count(r => r.Jws is not null && !r.Failed);
        bool failed = findings.Count > 0;
        return result with
        {
            Verdict = failed ? AuditVerdict.Fail : AuditVerdict.Pass,
            Summary = failed
                ? $"{findings.Count} problem(s) with the receipts of {succeeded} answers: {findings[0]}"
                : $"all {withReceipt} receipts verified (signature, response hash, request id, stored copy, log inclusion) and the log's checkpoints are consistent",
            EffectName = "share of receipts verified",
            Effect = succeeded == 0 ? null : (double)verified / succeeded,
            Findings = findings,
            Charts = [tally.ToChart()],
        };
    }

    /// <summary>The receipt of one answer: its header, its stream's last comment line, or the copy stored under its request id.</summary>
    private static async Task<Received> FindReceiptAsync(IAuditTarget target, int number, bool streamed, AuditReply reply, CancellationToken cancellationToken)
    {
        string? requestId = reply.Headers.GetValueOrDefault("x-request-id");
        byte[] body = reply.Body.ToArray();
        if (reply.Headers.TryGetValue("warden-receipt", out string? header))
        {
            return new Received(number, streamed, requestId, header.Trim(), body, "header");
        }

        if (SplitTrailer(body) is ({ } before, { } trailer))
        {
            return new Received(number, streamed, requestId, trailer, before, "stream comment");
        }

        // Gemini streams carry no comment line (docs/trust.md): their receipt is only behind GET /v1/receipts/{id}, and
        // its hash covers the whole stream.
        if (requestId is not null && await StoredReceiptAsync(target, requestId, cancellationToken) is { Jws: { } stored })
        {
            return new Received(number, streamed, requestId, stored, body, "stored copy");
        }

        return new Received(number, streamed, requestId, null, body, "none");
    }

    private static void VerifyReceipt(Received one, JsonWebKeySet keys, string model, IReadOnlyList<string> expectedHosts, Tally tally, List<string> findings)
    {
        string what = $"answer {one.Number} ({(one.Streamed ? "streamed" : "complete")}, receipt from the {one.Source})";
        var report = ReceiptVerifier.Verify(one.Jws!, keys, new ReceiptEvidence { ResponseBody = one.Body });
        foreach (var check in report.Checks.Where(c => !c.Passed))
        {
            findings.Add($"{what}: {check.Name} failed: {check.Detail}");
            one.Failed = true;
        }

        var hash = report.Checks.FirstOrDefault(c => c.Name == "response_hash");
        tally.Add("signature", report.Claims is not null);

        // A version 2 receipt (docs/trust.md, "Batched signatures"): its claims must lead to the root its batch header signs.
        if (report.Checks.FirstOrDefault(c => c.Name == "batch_inclusion") is { } batch)
        {
            tally.Add("batch inclusion", batch.Passed);
        }

        if (report.Claims is not { } claims)
        {
            return;
        }

        tally.Add("response hash", hash?.Passed == true);
        one.Claims = claims;
        bool sameId = one.RequestId is null || one.RequestId == claims.RequestId;
        tally.Add("request id", sameId);
        if (!sameId)
        {
            findings.Add($"{what}: the receipt is for request {claims.RequestId}, but the answer's x-request-id is {one.RequestId}");
            one.Failed = true;
        }

        bool sameModel = string.Equals(claims.RequestedModel, model, StringComparison.Ordinal);
        tally.Add("requested model", sameModel);
        if (!sameModel)
        {
            findings.Add($"{what}: the receipt states requested model {claims.RequestedModel}, but {model} was asked for");
            one.Failed = true;
        }

        if (expectedHosts.Count > 0)
        {
            bool expected = claims.UpstreamHost is { } host && expectedHosts.Any(h => string.Equals(h, host, StringComparison.OrdinalIgnoreCase));
            tally.Add("upstream host", expected);
            if (!expected)
            {
                findings.Add($"{what}: the answer came from upstream {claims.UpstreamHost ?? "(not stated)"}, not one of the expected hosts {string.Join(", ", expectedHosts)}");
                one.Failed = true;
            }
        }
    }

    /// <summary>
    /// The stored copies, each receipt's log entry under the end-of-run checkpoint, and that checkpoint's consistency with
    /// the start-of-run one: together they say every receipt is in one append-only history, the same for everyone.
    /// </summary>
    private static async Task CheckLogAsync(IAuditTarget target, string startText, List<Received> receipts, Tally tally, List<string> findings, CancellationToken cancellationToken)
    {
        if (receipts.Count == 0)
        {
            return;
        }

        foreach (var one in receipts.Where(r => r.Claims is not null && r.Source != "stored copy"))
        {
            var stored = await StoredReceiptAsync(target, one.Claims!.RequestId, cancellationToken);
            bool same = stored.Jws == one.Jws && stored.RequestId == one.Claims.RequestId;
            tally.Add("stored copy", same);
            if (!same)
            {
                findings.Add(stored.Jws is null
                    ? $"answer {one.Number}: GET /v1/receipts/{one.Claims.RequestId} answered {stored.Status}, not the receipt"
                    : $"answer {one.Number}: the receipt stored under request {stored.RequestId ?? "(none)"} differs from the one the answer carried");
                one.Failed = true;
            }
        }

        var (keyStatus, vkey) = await target.GetAsync(LogKeyPath, cancellationToken);
        if (keyStatus != 200 || !NoteVerifier.TryParse(vkey.Trim(), out var logKey, out string? keyError) || logKey!.Type != NoteVerifier.Ed25519Type)
        {
            findings.Add($"the log's key at /{LogKeyPath} could not be read (answered {keyStatus}): receipts' log entries cannot be checked");
            return;
        }

        IReadOnlyCollection<NoteVerifier> logKeys = [logKey];
        var (_, endText) = await target.GetAsync(CheckpointPath, cancellationToken);
        var start = SignedCheckpoint.Verify(startText, logKeys);
        var end = SignedCheckpoint.Verify(endText, logKeys);
        if (!start.IsValid || !end.IsValid)
        {
            findings.Add($"the log's checkpoint does not verify against its key: {(start.IsValid ? end.Reason : start.Reason)}");
            tally.Add("log consistency", false);
            return;
        }

        long startSize = start.Checkpoint!.TreeSize;
        long endSize = end.Checkpoint!.TreeSize;
        tally.Add("log consistency", await ConsistentAsync(target, startText, endText, startSize, endSize, logKeys, findings, cancellationToken));

        foreach (var one in receipts.Where(r => r.Claims is not null))
        {
            string path = "v1/transparency/proof/inclusion?leaf_hash=" + Convert.ToHexStringLower(LogEntry.ReceiptLeafHash(one.Jws!))
                + "&request_id=" + Uri.EscapeDataString(one.Claims!.RequestId) + string.Create(CultureInfo.InvariantCulture, $"&size={endSize}");
            var (status, body) = await target.GetAsync(path, cancellationToken);
            bool included = false;
            string detail = $"the server gave no inclusion proof under the end-of-run checkpoint (answered {status})";
            if (status == 200 && TryReadInclusion(body, out long index, out var proof))
            {
                // Proved against the checkpoint this audit fetched, not whatever checkpoint the proof names.
                var checks = LogVerifier.VerifyInclusion(LogEntry.ReceiptLeafHash(one.Jws!), new LogInclusionEvidence(index, proof, endText, logKeys));
                included = checks.All(c => c.Passed) && index >= startSize;
                detail = checks.FirstOrDefault(c => !c.Passed)?.Detail
                    ?? string.Create(CultureInfo.InvariantCulture, $"its entry {index} was in the log before the run began (size {startSize})");
            }

            tally.Add("log inclusion", included);
            if (!included)
            {
                findings.Add($"answer {one.Number}: the receipt's log entry: {detail}");
                one.Failed = true;
            }
        }
    }

    private static async Task<bool> ConsistentAsync(
        IAuditTarget target, string startText, string endText, long startSize, long endSize, IReadOnlyCollection<NoteVerifier> logKeys, List<string> findings, CancellationToken cancellationToken)
    {
        if (endSize < startSize)
        {
            findings.Add(string.Create(CultureInfo.InvariantCulture, $"the log shrank during the run: size {startSize} at the start, {endSize} at the end"));
            return false;
        }

        var (status, body) = await target.GetAsync(string.Create(CultureInfo.InvariantCulture, $"v1/transparency/proof/consistency?from={startSize}&to={endSize}"), cancellationToken);
        List<byte[]>? proof = null;
        if (status == 200)
        {
            try
            {
                proof = LogProofJson.ReadConsistency(Encoding.UTF8.GetBytes(body)).Proof;
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                proof = null;
            }
        }

        if (proof is null)
        {
            findings.Add(string.Create(CultureInfo.InvariantCulture, $"the server gave no consistency proof from size {startSize} to {endSize} (answered {status})"));
            return false;
        }

        var report = LogVerifier.VerifyConsistency(startText, endText, proof, logKeys);
        foreach (var check in report.Checks.Where(c => !c.Passed))
        {
            findings.Add($"the checkpoints at the start and end of the run: {check.Name} failed: {check.Detail}");
        }

        return report.AllPassed;
    }

    private static bool TryReadInclusion(string body, out long index, out IReadOnlyList<byte[]> proof)
    {
        try
        {
            (index, _, var hashes, _) = LogProofJson.ReadInclusion(Encoding.UTF8.GetBytes(body));
            proof = hashes;
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            (index, proof) = (0, []);
            return false;
        }
    }

    /// <summary><c>GET /v1/receipts/{id}</c>: <c>{"request_id":…,"receipt":…}</c>.</summary>
    private static async Task<(int Status, string? RequestId, string? Jws)> StoredReceiptAsync(IAuditTarget target, string requestId, CancellationToken cancellationToken)
    {
        var (status, body) = await target.GetAsync("v1/receipts/" + Uri.EscapeDataString(requestId), cancellationToken);
        if (status != 200)
        {
            return (status, null, null);
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            return root.ValueKind == JsonValueKind.Object && root.TryGetProperty("receipt", out var receipt) && receipt.ValueKind == JsonValueKind.String
                ? (status, root.TryGetProperty("request_id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null, receipt.GetString())
                : (status, null, null);
        }
        catch (JsonException)
        {
            return (status, null, null);
        }
    }

    /// <summary>A stream ending in <c>: warden-receipt JWS</c> and a blank line: the bytes before that line, and the JWS.</summary>
    internal static (byte[]? Before, string? Jws) SplitTrailer(byte[] body)
    {
        ReadOnlySpan<byte> span = body;
        if (!span.EndsWith("\n\n"u8))
        {
            return (null, null);
        }

        int start = span[..^2].LastIndexOf((byte)'\n') + 1;
        if (!span[start..].StartsWith(TrailerPrefix))
        {
            return (null, null);
        }

        return (span[..start].ToArray(), Encoding.ASCII.GetString(span[(start + TrailerPrefix.Length)..^2]).Trim());
    }

    private sealed record Received(int Number, bool Streamed, string? RequestId, string? Jws, byte[] Body, string Source)
    {
        public ReceiptClaims? Claims { get; set; }

        public bool Failed { get; set; }
    }

    /// <summary>Passed and failed counts per part of the verification, for the report's chart.</summary>
    private sealed class Tally
    {
        private readonly List<(string Name, int Passed, int Failed)> _rows = [];

        public void Add(string name, bool passed)
        {
            int i = _rows.FindIndex(r => r.Name == name);
            if (i < 0)
            {
                _rows.Add((name, 0, 0));
                i = _rows.Count - 1;
            }

            var row = _rows[i];
            _rows[i] = passed ? row with { Passed = row.Passed + 1 } : row with { Failed = row.Failed + 1 };
        }

        public AuditChart ToChart() => new("Receipt verification by part", AuditChartKind.Histogram, "part", "receipts",
        [
            new AuditSeries("verified", [.. _rows.Select((r, i) => new AuditPoint(i, r.Passed, Label: r.Name))]),
            new AuditSeries("failed", [.. _rows.Select((r, i) => new AuditPoint(i, r.Failed, Label: r.Name))]),
        ]);
    }
}
