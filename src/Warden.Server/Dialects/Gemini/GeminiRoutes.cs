using Warden.Core.Canonical;
using Warden.Server.Pipeline;
using Warden.Server.Protocols;

namespace Warden.Server.Dialects.Gemini;

/// <summary>
/// Gemini's <c>POST /v1beta/models/{model}:{action}</c>: the model and the action share one path segment, so the
/// route takes the segment whole and splits it at the last colon.
/// </summary>
internal static class GeminiRoutes
{
    public static Task HandleAsync(HttpContext context, string modelAction, RelayPipeline pipeline, ClientProtocol gemini)
    {
        int colon = modelAction.LastIndexOf(':');
        string model = colon > 0 ? modelAction[..colon] : "";
        string action = colon > 0 ? modelAction[(colon + 1)..] : "";
        return action switch
        {
            "generateContent" => pipeline.HandleAsync(context, gemini, new RequestContext(model, StreamFromPath: false)),
            "streamGenerateContent" => pipeline.HandleAsync(context, gemini, new RequestContext(
                model, StreamFromPath: true, GeminiSse: string.Equals(context.Request.Query["alt"], "sse", StringComparison.OrdinalIgnoreCase))),
            "countTokens" => pipeline.HandleCountTokensAsync(context, gemini, new RequestContext(model)),
            _ => gemini.WriteErrorAsync(context, new ClientError(StatusCodes.Status404NotFound, ClientErrorKind.NotFound,
                $"No Gemini method '{action}' here. Supported: generateContent, streamGenerateContent, countTokens.")),
        };
    }
}
