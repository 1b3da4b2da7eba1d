using System.Globalization;
using Warden.Core.Dialects.OpenAIChat;

namespace Warden.Server.Endpoints;

/// <summary>
/// Writes an error in OpenAI's protocol before the response has started. Every 429 and 503 carries
/// Retry-After: Codex does not retry a 429 without it, and every other client honours it.
/// </summary>
internal static class OpenAIErrorResponse
{
    public static Task WriteAsync(HttpContext context, int status, string message, string type, string? param = null, string? code = null, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        if (status is 429 or 503 or 529)
        {
            long seconds = (long)Math.Ceiling((retryAfter ?? Core.Providers.UpstreamErrorPolicy.DefaultRetryAfter).TotalSeconds);
            response.Headers.RetryAfter = Math.Max(1, seconds).ToString(CultureInfo.InvariantCulture);
        }

        OpenAIErrorWriter.Write(response.BodyWriter, message, type, param, code);
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
