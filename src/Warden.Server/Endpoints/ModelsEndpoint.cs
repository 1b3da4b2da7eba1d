using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Server.Keys;
using Warden.Server.Protocols;
using Warden.Server.Routing;

namespace Warden.Server.Endpoints;

/// <summary>
/// The models the calling key may use. <c>GET /v1/models</c> answers OpenAI clients in one list that Anthropic clients
/// can read too (OpenAI's id/object/created/owned_by beside Anthropic's type/display_name/created_at, plus has_more,
/// first_id and last_id); a client that speaks Anthropic (it sends <c>anthropic-version</c>, or authenticates with
/// <c>x-api-key</c> as the Anthropic SDKs do) gets Anthropic's own paged list instead. <c>GET /v1/models/{id}</c>
/// answers one model in the same two shapes; <c>GET /v1beta/models</c> and <c>/v1beta/models/{id}</c> answer in
/// Gemini's. Declared aliases the key may use are listed too, each with a <c>warden_alias</c> object naming its target,
/// so a key holder sees what an alias means. A model the key may not use is as unknown as one nobody serves: 404.
/// </summary>
internal static class ModelsEndpoint
{
    // Anthropic's list: limit defaults to 20 and may be 1 to 1000 (docs.anthropic.com, "List Models").
    private const int AnthropicDefaultLimit = 20;
    private const int AnthropicMaxLimit = 1000;

    /// <summary>
    /// <c>GET /v1/models</c>, shared by the fallback dialect's clients and those of any dialect that claims the request by
    /// its headers (<see cref="WireDialect.ClaimsSharedRoute"/>: Anthropic's SDKs send <c>anthropic-version</c>).
    /// </summary>
    public static Task HandleSharedAsync(HttpContext context, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases) =>
        ListAsync(context, ClientProtocol.ForSharedRoute(context.Request), ClientProtocol.ReadAnyKey(context.Request), keys, catalog, aliases);

    /// <summary><c>GET /v1/models/{id}</c>: the model object of the shape the client's dialect reads.</summary>
    public static Task HandleSharedOneAsync(HttpContext context, string id, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases) =>
        OneAsync(context, id, ClientProtocol.ForSharedRoute(context.Request), ClientProtocol.ReadAnyKey(context.Request), keys, catalog, aliases);

    /// <summary>A dialect's own models route (Gemini's <c>GET /v1beta/models</c>).</summary>
    public static Task HandleListAsync(HttpContext context, ClientProtocol protocol, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases) =>
        ListAsync(context, protocol, protocol.ReadKey(context.Request), keys, catalog, aliases);

    /// <summary>A dialect's own model route (Gemini's <c>GET /v1beta/models/{id}</c>, whose id may carry <c>models/</c>).</summary>
    public static Task HandleOneAsync(HttpContext context, string id, ClientProtocol protocol, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases) =>
        OneAsync(context, id, protocol, protocol.ReadKey(context.Request), keys, catalog, aliases);

    private static async Task ListAsync(HttpContext context, ClientProtocol protocol, string? presented, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases)
    {
        var key = await AuthenticateAsync(context, keys, presented, protocol);
        if (key is null)
        {
            return;
        }

        var models = Visible(catalog, aliases, key);
        switch (protocol.Wire.ModelsList)
        {
            case ModelsListShape.Anthropic:
                await WriteAnthropicPageAsync(context, protocol, models);
                return;
            case ModelsListShape.Gemini:
                await WriteGeminiListAsync(context, models);
                return;
            default:
                await WriteOpenAIListAsync(context, models);
                return;
        }
    }

    private static async Task OneAsync(HttpContext context, string id, ClientProtocol protocol, string? presented, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases)
    {
        var key = await AuthenticateAsync(context, keys, presented, protocol);
        if (key is null)
        {
            return;
        }

        var shape = protocol.Wire.ModelsList;
        string name = shape == ModelsListShape.Gemini && id.StartsWith("models/", StringComparison.Ordinal) ? id["models/".Length..] : id;
        if (Visible(catalog, aliases, key).Find(m => m.Model == name) is not { } model)
        {
            await protocol.WriteErrorAsync(context, UnknownModel(name));
            return;
        }

        await WriteObjectAsync(context, writer =>
        {
            switch (shape)
            {
                case ModelsListShape.Gemini:
                    // Gemini's object carries its alias itself.
                    WriteGeminiFields(writer, model);
                    return;
                case ModelsListShape.Anthropic:
                    WriteAnthropicFields(writer, model);
                    break;
                default:
                    WriteOpenAIFields(writer, model);
                    break;
            }

            WriteAlias(writer, model.Alias);
        });
    }

    // OpenAI's list, with Anthropic's fields beside so an Anthropic SDK reads it too.
    private static async Task WriteOpenAIListAsync(HttpContext context, List<VisibleModel> models)
    {
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("object"u8, "list");
            writer.WriteStartArray("data"u8);
            foreach (var model in models)
            {
                writer.WriteStartObject();
                WriteOpenAIFields(writer, model);
                WriteAnthropicFields(writer, model, writeId: false);
                WriteAlias(writer, model.Alias);
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

    private static async Task WriteGeminiListAsync(HttpContext context, List<VisibleModel> models)
    {
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("models"u8);
            foreach (var model in models)
            {
                writer.WriteStartObject();
                WriteGeminiFields(writer, model);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static ClientError UnknownModel(string id) => new(StatusCodes.Status404NotFound, ClientErrorKind.NotFound,
        $"The model '{id}' does not exist or this key may not use it.", "model", "model_not_found");

    // after_id and before_id are ids of this same list (Anthropic's cursors); an id not in it is the client's mistake.
    private static async Task WriteAnthropicPageAsync(HttpContext context, ClientProtocol protocol, List<VisibleModel> models)
    {
        var query = context.Request.Query;
        int limit = AnthropicDefaultLimit;
        if (query.ContainsKey("limit")
            && (!int.TryParse(query["limit"], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out limit)
                || limit is < 1 or > AnthropicMaxLimit))
        {
            await protocol.WriteErrorAsync(context, new ClientError(StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest,
                $"limit: must be an integer from 1 to {AnthropicMaxLimit}.", "limit"));
            return;
        }

        string? afterId = query["after_id"], beforeId = query["before_id"];
        int start = 0, end = models.Count;
        if (!string.IsNullOrEmpty(afterId))
        {
            int at = models.FindIndex(m => m.Model == afterId);
            if (at < 0)
            {
                await protocol.WriteErrorAsync(context, new ClientError(StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest,
                    "after_id: not the id of a listed model.", "after_id"));
                return;
            }

            start = at + 1;
            end = Math.Min(models.Count, start + limit);
        }
        else if (!string.IsNullOrEmpty(beforeId))
        {
            int at = models.FindIndex(m => m.Model == beforeId);
            if (at < 0)
            {
                await protocol.WriteErrorAsync(context, new ClientError(StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest,
                    "before_id: not the id of a listed model.", "before_id"));
                return;
            }

            end = at;
            start = Math.Max(0, end - limit);
        }
        else
        {
            end = Math.Min(models.Count, limit);
        }

        bool hasMore = string.IsNullOrEmpty(afterId) && !string.IsNullOrEmpty(beforeId) ? start > 0 : end < models.Count;
        await WriteObjectAsync(context, writer =>
        {
            writer.WriteStartArray("data"u8);
            for (int i = start; i < end; i++)
            {
                writer.WriteStartObject();
                WriteAnthropicFields(writer, models[i]);
                WriteAlias(writer, models[i].Alias);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteBoolean("has_more"u8, hasMore);
            WriteNullable(writer, "first_id"u8, end > start ? models[start].Model : null);
            WriteNullable(writer, "last_id"u8, end > start ? models[end - 1].Model : null);
        });
    }

    /// <summary>Writes one JSON object straight to the response body (also used by the self-service endpoints).</summary>
    internal static async Task WriteObjectAsync(HttpContext context, Action<Utf8JsonWriter> fields)
    {
        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static void WriteOpenAIFields(Utf8JsonWriter writer, VisibleModel model)
    {
        writer.WriteString("id"u8, model.Model);
        writer.WriteString("object"u8, "model");
        writer.WriteNumber("created"u8, model.Target.CreatedAt.ToUnixTimeSeconds());
        writer.WriteString("owned_by"u8, model.Target.Upstream.Profile.Id);
    }

    // The merged list's objects already carry OpenAI's "id": a second one would be a duplicate key, which strict JSON
    // readers (System.Text.Json's JsonObject among them) refuse.
    private static void WriteAnthropicFields(Utf8JsonWriter writer, VisibleModel model, bool writeId = true)
    {
        writer.WriteString("type"u8, "model");
        if (writeId)
        {
            writer.WriteString("id"u8, model.Model);
        }

        writer.WriteString("display_name"u8, model.Model);
        writer.WriteString("created_at"u8, model.Target.CreatedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture));
    }

    // Gemini's Model resource (ai.google.dev, "models"): name, baseModelId, version, displayName, the token limits and the
    // methods it supports; a limit Warden does not know is left out rather than guessed.
    private static void WriteGeminiFields(Utf8JsonWriter writer, VisibleModel model)
    {
        writer.WriteString("name"u8, "models/" + model.Model);
        writer.WriteString("baseModelId"u8, model.Model);
        writer.WriteString("version"u8, model.Alias?.Version ?? "warden");
        writer.WriteString("displayName"u8, model.Model);
        if (Billing.OutputLimits.KnownMaximum(model.Alias?.Model ?? model.Model) is { } output)
        {
            writer.WriteNumber("outputTokenLimit"u8, output);
        }

        writer.WriteStartArray("supportedGenerationMethods"u8);
        writer.WriteStringValue("generateContent"u8);
        writer.WriteStringValue("streamGenerateContent"u8);
        writer.WriteStringValue("countTokens"u8);
        writer.WriteEndArray();
        WriteAlias(writer, model.Alias);
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
    internal static List<VisibleModel> Visible(ChannelCatalog catalog, AliasCatalog aliases, ClientKey key)
    {
        var models = new List<VisibleModel>();
        foreach (string model in catalog.Models)
        {
            if (key.MayUse(model))
            {
                models.Add(new VisibleModel(model, catalog.Find(model)[0], null));
            }
        }

        foreach (var alias in aliases.All)
        {
            if (key.MayUse(alias.Name) && catalog.Find(alias.Model) is [var target, ..])
            {
                models.Add(new VisibleModel(alias.Name, target, alias));
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
