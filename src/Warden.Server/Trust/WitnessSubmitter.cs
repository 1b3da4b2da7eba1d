using System.Globalization;
using System.Net;
using System.Text;
using Warden.Core.Trust;

namespace Warden.Server.Trust;

/// <summary>
/// Sends each new signed checkpoint to the configured witnesses (C2SP tlog-witness <c>add-checkpoint</c>) with the
/// consistency proof from the size each witness last cosigned, and keeps the cosignatures they return (checked
/// against the witness's key) in <c>log_cosignatures</c>. A background loop on a one-second tick, never on a request's
/// path: one call per witness per tick at most, each bounded by the client's timeout. A witness that answers 409 with
/// a size this log can prove from is retried at once from that size; one that has seen a larger tree than this log
/// holds (the log was truncated or rewritten after it cosigned) is reported as critical.
/// </summary>
internal sealed partial class WitnessSubmitter(
    TransparencyLog log, IReadOnlyList<WitnessEndpoint> witnesses, HttpClient http, TimeProvider time, ILogger<WitnessSubmitter> logger) : BackgroundService
{
    public const string HttpClientName = "witnesses";

    // The witnesses' last cosigned sizes as this log knows them (from log_cosignatures at start, then from answers).
    private readonly Dictionary<string, long> _known = [];

    // One round at a time (the loop, or a caller that wants the witnesses up to date now).
    private readonly SemaphoreSlim _round = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (witnesses.Count == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        do
        {
            await SubmitOnceAsync(stoppingToken);
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Brings every witness up to the latest checkpoint (one attempt each, plus one retry after a 409).</summary>
    public async Task SubmitOnceAsync(CancellationToken cancellationToken)
    {
        await _round.WaitAsync(cancellationToken);
        try
        {
            await SubmitRoundAsync(cancellationToken);
        }
        finally
        {
            _round.Release();
        }
    }

    public override void Dispose()
    {
        _round.Dispose();
        base.Dispose();
    }

    private async Task SubmitRoundAsync(CancellationToken cancellationToken)
    {
        (string signed, long size) = log.LatestCosigned();
        foreach (var witness in witnesses)
        {
            string id = witness.Key.ToVkey();
            try
            {
                if (!_known.TryGetValue(id, out long known))
                {
                    known = log.LastCosignedBy(witness.Key);
                }

                for (int attempt = 0; attempt < 2 && known != size; attempt++)
                {
                    long? conflict = await SubmitAsync(witness, signed, size, known, cancellationToken);
                    if (conflict is not { } theirs)
                    {
                        known = size;
                        break;
                    }

                    if (theirs > size)
                    {
                        Telemetry.Log.WitnessAhead(logger, witness.Key.Name, theirs, size);
                        break;
                    }

                    known = theirs;
                }

                _known[id] = known;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or InvalidDataException && !cancellationToken.IsCancellationRequested)
            {
                Telemetry.Log.WitnessSubmitFailed(logger, witness.Key.Name, ex.Message);
            }
        }
    }

    // Null when cosigned (or refused for a reason a retry cannot fix); the witness's size after a 409.
    private async Task<long?> SubmitAsync(WitnessEndpoint witness, string signed, long size, long old, CancellationToken cancellationToken)
    {
        IReadOnlyList<byte[]> proof = old == 0 ? [] : log.Consistency(old, size) ?? throw new InvalidDataException($"no consistency proof from {old} to {size}");
        string body = new AddCheckpointRequest(old, proof, StripCosignatures(signed)).ToBody();
        using var content = new StringContent(body, Encoding.UTF8, "text/plain");
        using var response = await http.PostAsync(new Uri(witness.Url, "add-checkpoint"), content, cancellationToken);
        string answer = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict
            && long.TryParse(answer.TrimEnd('\n'), NumberStyles.None, CultureInfo.InvariantCulture, out long theirs))
        {
            return theirs;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            Telemetry.Log.WitnessRefused(logger, witness.Key.Name, (int)response.StatusCode, size);
            throw new InvalidDataException($"answered {(int)response.StatusCode}");
        }

        // Keep only lines by this witness's key that verify on this checkpoint (tlog-witness: ignore unknown keys).
        string own = StripCosignatures(signed);
        string text = own[..(own.LastIndexOf("\n\n", StringComparison.Ordinal) + 1)];
        NoteSignature[] valid = SignedNote.TryParseSignatureLines(answer, out var lines)
            ? [.. lines.Where(l => l.IsBy(witness.Key) && witness.Key.Verify(text, l.Signature, out _))]
            : [];
        if (valid.Length == 0)
        {
            throw new InvalidDataException("the witness's answer holds no valid cosignature by its key");
        }

        foreach (var line in valid)
        {
            log.StoreCosignature(size, witness.Key, line.Line);
        }

        return null;
    }

    // The log's own note (its signature only): what a witness verifies and cosigns.
    private string StripCosignatures(string signed)
    {
        if (!SignedNote.TryParse(signed, out SignedNote? note, out _))
        {
            return signed;
        }

        return note!.Text + "\n" + string.Concat(note.Signatures.Where(s => log.LogKeys.Any(s.IsBy)).Select(s => s.Line));
    }
}
