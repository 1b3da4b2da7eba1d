using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Protocols;
using Warden.Server.Trust;
using Warden.Server.Usage;

namespace Warden.Server.Endpoints;

/// <summary>
/// The public side of receipts: the signing keys at <c>/.well-known/warden/jwks.json</c> (no authentication; public
/// keys only), and <c>GET /v1/receipts/{request-id}</c>, which returns a receipt only to the key that made the request.
/// </summary>
internal static class ReceiptEndpoints
{
    public const string JwksPath = "/.well-known/warden/jwks.json";

    public static void Map(WebApplication app)
    {
        app.MapGet(JwksPath, WriteJwksAsync);
        app.MapGet("/v1/receipts/{requestId}", GetReceiptAsync);
    }

    private static Task WriteJwksAsync(HttpContext context)
    {
        var signer = context.RequestServices.GetRequiredService<ReceiptSigner>();
        var response = context.Response;
        response.ContentType = "application/json";

        // Short: a rotated key shows up soon, and retired keys never leave the set.
        response.Headers.CacheControl = "public, max-age=300";
        response.ContentLength = signer.JwksJson.Length;
        return response.Body.WriteAsync(signer.JwksJson, context.RequestAborted).AsTask();
    }

    private static async Task GetReceiptAsync(HttpContext context, string requestId)
    {
        var keys = context.RequestServices.GetRequiredService<KeyDirectory>();
        // Any dialect's own key place (x-api-key, Gemini's x-goog-api-key or ?key=), else Bearer: a Gemini stream's
        // receipt is only here, and a Gemini client holds its key in Gemini's places.
        string? presented = ClientProtocol.ReadAnyKey(context.Request, includeQuery: true);
        var auth = keys.Authenticate(presented, KeyRole.Client);
        if (auth.Outcome != AuthenticationOutcome.Authenticated)
        {
            string message = auth.Outcome == AuthenticationOutcome.Missing
                ? "No API key was sent. Send it as Authorization: Bearer <key>, x-api-key or x-goog-api-key."
                : "The API key is not valid.";
            await OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, message, "authentication_error", null, "invalid_api_key");
            return;
        }

        var stored = await context.RequestServices.GetRequiredService<ReceiptStore>()
            .FindStoredAsync(requestId, auth.Key!.Id, context.RequestServices.GetRequiredService<UsageWriter>());
        if (stored?.Jws is not { } jws)
        {
            // The same answer whether the receipt does not exist or belongs to another key.
            await OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status404NotFound,
                $"No receipt with request id '{requestId}' for this API key.", "not_found_error", null, "receipt_not_found");
            return;
        }

        // A stored receipt is served only when it is the receipt of the request asked for, signed by one of Warden's keys:
        // someone with the SQLite file could otherwise put another request's receipt in this row (issue 19).
        if (!IsReceiptOf(jws, requestId, context.RequestServices.GetRequiredService<ReceiptSigner>()))
        {
            Telemetry.Log.StoredReceiptInconsistent(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Warden.Server.Trust"), requestId);
            await OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status500InternalServerError,
                $"The stored receipt for request id '{requestId}' is inconsistent: it is not a receipt Warden signed for this request. It is not served.",
                "server_error", null, "stored_receipt_inconsistent");
            return;
        }

        var buffer = new ArrayBufferWriter<byte>(jws.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("request_id", requestId);
            writer.WriteString("receipt", jws);
            writer.WriteEndObject();
        }

        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static bool IsReceiptOf(string jws, string requestId, ReceiptSigner signer)
    {
        // Either receipt version (one JWS, or a leaf of a signed batch): the claims count only once the signature holds.
        return Core.Trust.ReceiptVerifier.Verify(jws, signer.PublicKeys).Claims is { } claims
            && string.Equals(claims.RequestId, requestId, StringComparison.Ordinal);
    }
}
