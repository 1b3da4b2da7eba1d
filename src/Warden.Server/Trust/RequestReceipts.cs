using System.Buffers;
using System.Text;
using Warden.Server.Pipeline;

namespace Warden.Server.Trust;

/// <summary>
/// The receipt stages of the request path. A receipt is issued only for a relayed generate call that reached an
/// upstream and committed a 200: as the <c>Warden-Receipt</c> header of a complete answer (its body hash is known
/// before the headers go out), or as a final SSE comment <c>: warden-receipt &lt;jws&gt;</c> after a stream, whose
/// hash covers every byte before that comment. A stream that broke or lost its client still gets a stored receipt
/// stating its outcome; a Gemini stream (SSE or JSON array) gets no comment, so its receipt is only stored.
/// </summary>
internal sealed class RequestReceipts(ReceiptSigner signer)
{
    public const string HeaderName = "Warden-Receipt";

    private static readonly byte[] TrailerPrefix = ": warden-receipt "u8.ToArray();

    /// <summary>Before forwarding: hash a stream as it is written, or sign a complete answer as its headers go out.</summary>
    /// <returns>The hashing feature for a stream (dispose it when the request ends), or null.</returns>
    public HashingResponseBodyFeature? Prepare(HttpContext context, RelayRequest request)
    {
        if (request.Facts!.Stream)
        {
            return HashingResponseBodyFeature.Install(context);
        }

        context.Response.OnStarting(async () =>
        {
            // The relays set ResponseSha256 only when they commit a complete 200 answer, whose receipt the pipeline signed
            // and stored with its usage record just before (RelayRequest.RecordBeforeAnswer).
            if (request.ResponseSha256 is { } hash && context.Response.StatusCode == StatusCodes.Status200OK)
            {
                context.Response.Headers[HeaderName] = request.Receipt ?? await signer.IssueAsync(request, hash);
            }
        });
        return null;
    }

    /// <summary>Signs a complete answer's receipt over its body's hash (before its record is committed and its status goes out).</summary>
    public async Task IssueForAnswerAsync(RelayRequest request) => await signer.IssueAsync(request, request.ResponseSha256!);

    /// <summary>
    /// After a stream ended normally (completed, or failed inside the protocol): signs its receipt over every byte the
    /// client gets, the held end included; has <paramref name="recordDurably"/> commit the usage record with it; then
    /// releases the held end and appends the receipt comment, and flushes. Returns false when the record could not be
    /// committed: the held end is dropped, nothing else is written, and the caller ends the stream with an error.
    /// </summary>
    public async Task<bool> FinishStreamAsync(HttpContext context, RelayRequest request, HashingResponseBodyFeature? hashing, Func<Task<bool>> recordDurably)
    {
        if (hashing is null)
        {
            return true;
        }

        var output = hashing.Hashing;
        if (IsCommitted200(request) && request.Receipt is null)
        {
            string jws = await signer.IssueAsync(request, output.CurrentSha256());
            if (!await recordDurably())
            {
                output.DropHeld();
                return false;
            }

            output.ReleaseHeld();
            if (CarriesTrailer(context, request))
            {
                // Written past the hashing writer: the receipt's hash covers the bytes before its own line.
                var inner = output.Inner;
                inner.Write(TrailerPrefix);
                int written = Encoding.ASCII.GetBytes(jws, inner.GetSpan(jws.Length));
                inner.Advance(written);
                inner.Write("\n\n"u8);
            }
        }
        else
        {
            output.ReleaseHeld();
        }

        await output.FlushAsync(context.RequestAborted);
        return true;
    }

    /// <summary>
    /// When the request ends: a committed stream that broke off (client gone) still gets its stored receipt; one whose
    /// record could not be committed gets none (its end was withheld).
    /// </summary>
    public async Task EnsureIssuedAsync(RelayRequest request, HashingResponseBodyFeature? hashing)
    {
        // An end still held was never sent (the request failed while holding it): it is not part of what the client got.
        hashing?.Hashing.DropHeld();
        if (hashing is not null && request.Receipt is null && IsCommitted200(request) && request.Outcome != Usage.UsageOutcome.RecordFailed)
        {
            await signer.IssueAsync(request, hashing.Hashing.CurrentSha256());
        }
    }

    /// <summary>
    /// Whether the client's stream can end with an SSE comment that its clients ignore: the dialect says
    /// (<see cref="Core.Dialects.WireDialect.StreamReceiptTrailer"/>; Gemini's SDK fails on one, so its receipts are only stored).
    /// </summary>
    private static bool CarriesTrailer(HttpContext context, RelayRequest request) =>
        request.Protocol.Wire.StreamReceiptTrailer
        && context.Response.ContentType is { } contentType
        && contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);

    private static bool IsCommitted200(RelayRequest request) =>
        request.CommittedTimestamp is not null && request.Target is not null;
}
