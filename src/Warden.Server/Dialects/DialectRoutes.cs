using Warden.Core.Canonical;
using Warden.Core.Dialects;
using Warden.Server.Dialects.Gemini;
using Warden.Server.Endpoints;
using Warden.Server.Keys;
using Warden.Server.Pipeline;
using Warden.Server.Protocols;
using Warden.Server.Routing;

namespace Warden.Server.Dialects;

/// <summary>
/// The routes each dialect's clients call, each tagged with the (operation, dialect) cells of <see cref="OperationTable"/>
/// it serves (a test checks every tagged route against the table). Routes match on the path only: Claude Code adds
/// <c>?beta=true</c>, Gemini clients <c>?alt=sse</c>, Codex may add <c>?api-version=</c>.
/// </summary>
internal static class DialectRoutes
{
    public static void Map(IEndpointRouteBuilder app, RelayPipeline pipeline)
    {
        var chat = ClientProtocol.For(WireDialectName.OpenAIChat);
        var responses = ClientProtocol.For(WireDialectName.Responses);
        var anthropic = ClientProtocol.For(WireDialectName.Anthropic);
        var gemini = ClientProtocol.For(WireDialectName.Gemini);

        app.MapPost("/v1/chat/completions", (HttpContext context) => pipeline.HandleAsync(context, chat, RequestContext.Empty))
            .WithMetadata(new OperationRoute((ApiOperation.Chat, WireDialectName.OpenAIChat)));
        app.MapPost("/v1/responses", (HttpContext context) => pipeline.HandleAsync(context, responses, RequestContext.Empty))
            .WithMetadata(new OperationRoute((ApiOperation.Chat, WireDialectName.Responses)));
        app.MapPost("/v1/messages", (HttpContext context) => pipeline.HandleAsync(context, anthropic, RequestContext.Empty))
            .WithMetadata(new OperationRoute((ApiOperation.Chat, WireDialectName.Anthropic)));
        app.MapPost("/v1/messages/count_tokens", (HttpContext context) => pipeline.HandleCountTokensAsync(context, anthropic, RequestContext.Empty))
            .WithMetadata(new OperationRoute((ApiOperation.CountTokens, WireDialectName.Anthropic)));
        app.MapPost("/v1beta/models/{modelAction}", (HttpContext context, string modelAction) => GeminiRoutes.HandleAsync(context, modelAction, pipeline, gemini))
            .WithMetadata(new OperationRoute((ApiOperation.Chat, WireDialectName.Gemini), (ApiOperation.CountTokens, WireDialectName.Gemini)));

        // OpenAI's models routes are shared: a client whose dialect claims the request by its headers gets its own shape.
        app.MapGet("/v1/models", ModelsEndpoint.HandleSharedAsync)
            .WithMetadata(new OperationRoute((ApiOperation.ModelsList, WireDialectName.OpenAIChat), (ApiOperation.ModelsList, WireDialectName.Anthropic)));
        app.MapGet("/v1/models/{**id}", ModelsEndpoint.HandleSharedOneAsync)
            .WithMetadata(new OperationRoute((ApiOperation.ModelsRetrieve, WireDialectName.OpenAIChat), (ApiOperation.ModelsRetrieve, WireDialectName.Anthropic)));
        app.MapGet("/v1beta/models", (HttpContext context, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases) =>
                ModelsEndpoint.HandleListAsync(context, gemini, keys, catalog, aliases))
            .WithMetadata(new OperationRoute((ApiOperation.ModelsList, WireDialectName.Gemini)));
        app.MapGet("/v1beta/models/{**id}", (HttpContext context, string id, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases) =>
                ModelsEndpoint.HandleOneAsync(context, id, gemini, keys, catalog, aliases))
            .WithMetadata(new OperationRoute((ApiOperation.ModelsRetrieve, WireDialectName.Gemini)));
    }
}

/// <summary>Endpoint metadata: the (operation, dialect) cells a route serves.</summary>
internal sealed class OperationRoute(params (ApiOperation Operation, WireDialectName Dialect)[] cells)
{
    public IReadOnlyList<(ApiOperation Operation, WireDialectName Dialect)> Cells { get; } = cells;
}
