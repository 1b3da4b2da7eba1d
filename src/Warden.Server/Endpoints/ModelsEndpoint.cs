using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Routing;

namespace Warden.Server.Endpoints;

/// <summary><c>GET /v1/models</c>: the models the calling key may use, in OpenAI's list shape.</summary>
internal static class ModelsEndpoint
{
    public static async Task HandleAsync(HttpContext context, KeyDirectory keys, ChannelCatalog catalog)
    {
        var auth = keys.Authenticate(BearerToken.From(context.Request), KeyRole.Client);
        if (auth.Outcome != AuthenticationOutcome.Authenticated)
        {
            await OpenAIErrorResponse.WriteAsync(context, StatusCodes.Status401Unauthorized, "The API key is missing, unknown, revoked or expired.", "invalid_request_error", null, "invalid_api_key");
            return;
        }

        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("object"u8, "list");
            writer.WriteStartArray("data"u8);
            foreach (string model in catalog.Models)
            {
                if (!auth.Key!.MayUse(model))
                {
                    continue;
                }

                var first = catalog.Find(model)[0];
                writer.WriteStartObject();
                writer.WriteString("id"u8, model);
                writer.WriteString("object"u8, "model");
                writer.WriteNumber("created"u8, first.CreatedAt.ToUnixTimeSeconds());
                writer.WriteString("owned_by"u8, first.Upstream.Profile.Id);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
