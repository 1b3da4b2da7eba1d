using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Protocols;
using Warden.Server.Routing;

namespace Warden.Server.Endpoints;

/// <summary>
/// The models the calling key may use. <c>GET /v1/models</c> answers in one list that both OpenAI and Anthropic
/// clients read (OpenAI's id/object/created/owned_by beside Anthropic's type/display_name/created_at, plus has_more,
/// first_id and last_id); <c>GET /v1beta/models</c> answers in Gemini's shape. Declared aliases the key may use are
/// listed too, each with a <c>warden_alias</c> object naming its target, so a key holder sees what an alias means.
/// </summary>
internal static class ModelsEndpoint
{
    public static async Task HandleAsync(HttpContext context, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases)
    {
        // OpenAI clients send Bearer; Anthropic clients x-api-key or Bearer.
        var key = await AuthenticateAsync(context, keys, ClientProtocol.Anthropic.ReadKey(context.Request), ClientProtocol.OpenAIChat);
        if (key is null)
        {
            return;
        }

        var models = Visible(catalog, aliases, key);
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("object"u8, "list");
            writer.WriteStartArray("data"u8);
            foreach (var (model, target, alias) in models)
            {
                writer.WriteStartObject();
                writer.WriteString("id"u8, model);
                writer.WriteString("object"u8, "model");
                writer.WriteNumber("created"u8, target.CreatedAt.ToUnixTimeSeconds());
                writer.WriteString("owned_by"u8, target.Upstream.Profile.Id);
                writer.WriteString("type"u8, "model");
                writer.WriteString("display_name"u8, model);
                writer.WriteString("created_at"u8, target.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
                WriteAlias(writer, alias);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteBoolean("has_more"u8, false);
            WriteNullable(writer, "first_id"u8, models.Count > 0 ? models[0].Model : null);
            WriteNullable(writer, "last_id"u8, models.Count > 0 ? models[^1].Model : null);
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    public static async Task HandleGeminiAsync(HttpContext context, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases)
    {
        var key = await AuthenticateAsync(context, keys, ClientProtocol.Gemini.ReadKey(context.Request), ClientProtocol.Gemini);
        if (key is null)
        {
            return;
        }

        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("models"u8);
            foreach (var (model, _, alias) in Visible(catalog, aliases, key))
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, "models/" + model);
                writer.WriteString("displayName"u8, model);
                writer.WriteStartArray("supportedGenerationMethods"u8);
                writer.WriteStringValue("generateContent"u8);
                writer.WriteStringValue("streamGenerateContent"u8);
                writer.WriteStringValue("countTokens"u8);
                writer.WriteEndArray();
                WriteAlias(writer, alias);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>The calling client key, or null after answering 401 (403 for an admin key) in <paramref name="protocol"/>'s error shape.</summary>
    internal static async Task<ClientKey?> AuthenticateAsync(HttpContext context, KeyDirectory keys, string? presented, ClientProtocol protocol)
    {
        var auth = keys.Authenticate(presented, KeyRole.Client);
        if (auth.Outcome == AuthenticationOutcome.Authenticated)
        {
            return auth.Key;
        }

        await protocol.WriteErrorAsync(context, ClientKeyRefusal.For(auth.Outcome, protocol.KeyHint));
        return null;
    }

    /// <summary>The served models the key may use, then the aliases it may use whose target some channel serves.</summary>
    private static List<(string Model, RouteTarget Target, ModelAlias? Alias)> Visible(ChannelCatalog catalog, AliasCatalog aliases, ClientKey key)
    {
        var models = new List<(string, RouteTarget, ModelAlias?)>();
        foreach (string model in catalog.Models)
        {
            if (key.MayUse(model))
            {
                models.Add((model, catalog.Find(model)[0], null));
            }
        }

        foreach (var alias in aliases.All)
        {
            if (key.MayUse(alias.Name) && catalog.Find(alias.Model) is [var target, ..])
            {
                models.Add((alias.Name, target, alias));
            }
        }

        return models;
    }

    private static void WriteAlias(Utf8JsonWriter writer, ModelAlias? alias)
    {
        if (alias is null)
        {
            return;
        }

        writer.WriteStartObject("warden_alias"u8);
        writer.WriteString("model"u8, alias.Model);
        WriteNullable(writer, "provider"u8, alias.Provider);
        WriteNullable(writer, "version"u8, alias.Version);
        writer.WriteEndObject();
    }

    /// <summary>Writes a string property, or null when there is no value (also used by the policy endpoint).</summary>
    internal static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
