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

        context.Response.OnStarting(() =>
        {
            // The relays set ResponseSha256 only when they commit a complete 200 answer.
            if (request.ResponseSha256 is { } hash && context.Response.StatusCode == StatusCodes.Status200OK)
            {
                context.Response.Headers[HeaderName] = signer.Issue(request, hash);
            }

            return Task.CompletedTask;
        });
        return null;
    }

    /// <summary>After a stream ended normally (completed, or failed inside the protocol): sign, then append the comment.</summary>
    public async Task FinishStreamAsync(HttpContext context, RelayRequest request, HashingResponseBodyFeature? hashing)
    {
        if (hashing is null || !IsCommitted200(request) || request.Receipt is not null)
        {
            return;
        }

        string jws = signer.Issue(request, hashing.Hashing.CurrentSha256());
        if (!CarriesTrailer(context, request))
        {
            return;
        }

        // Written past the hashing writer: the receipt's hash covers the bytes before its own line.
        var output = hashing.Hashing.Inner;
        output.Write(TrailerPrefix);
        int written = Encoding.ASCII.GetBytes(jws, output.GetSpan(jws.Length));
        output.Advance(written);
        output.Write("\n\n"u8);
        await output.FlushAsync(context.RequestAborted);
    }

    /// <summary>When the request ends: a committed stream that broke off (client gone) still gets its stored receipt.</summary>
    public void EnsureIssued(RelayRequest request, HashingResponseBodyFeature? hashing)
    {
        if (hashing is not null && request.Receipt is null && IsCommitted200(request))
        {
            signer.Issue(request, hashing.Hashing.CurrentSha256());
        }
    }

    /// <summary>
    /// Whether the client's stream can end with an SSE comment that its clients ignore. Not Gemini: its JSON-array form
    /// has no comment syntax, and the @google/genai SDK (Gemini CLI) matches only <c>data:</c> lines and fails on any
    /// other text left at the end of an SSE stream ("Incomplete JSON segment at the end"). Gemini receipts are only stored.
    /// </summary>
    private static bool CarriesTrailer(HttpContext context, RelayRequest request) =>
        request.Protocol.Dialect != Core.Canonical.WireDialectName.Gemini
        && context.Response.ContentType is { } contentType
        && contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);

    private static bool IsCommitted200(RelayRequest request) =>
        request.CommittedTimestamp is not null && request.Target is not null;
}
