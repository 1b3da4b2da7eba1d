using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Routing;

namespace Warden.Server.Endpoints;

/// <summary>
/// The admin HTTP API under <c>/admin</c>, behind the admin key: keys, channels and usage, the same operations
/// as the CLI. Responses never contain an upstream credential; a new client key's secret appears once, in the
/// response that created it.
/// </summary>
internal static class AdminEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(RequireAdminAsync);

        admin.MapGet("/keys", (DataFolder data) => Json(data.Keys.List().Select(ToView).ToList(), AdminJsonContext.Default.ListKeyView));
        admin.MapPost("/keys", CreateKeyAsync);
        admin.MapDelete("/keys/{id}", (string id, DataFolder data, ConfigReloader reloader, HttpContext context) =>
            Changed(context, reloader, data.Keys.Revoke(id), $"No active key with id '{id}'."));

        admin.MapGet("/channels", (DataFolder data) => Json(data.Channels.List().Select(ToView).ToList(), AdminJsonContext.Default.ListChannelView));
        admin.MapPost("/channels", CreateChannelAsync);
        admin.MapDelete("/channels/{idOrName}", (string idOrName, DataFolder data, ConfigReloader reloader, HttpContext context) =>
            Changed(context, reloader, data.Channels.Remove(idOrName), $"No channel with id or name '{idOrName}'."));

        admin.MapGet("/usage", (DataFolder data, DateTimeOffset? since) =>
            Json(data.Usage.Summarise(since), AdminJsonContext.Default.ListUsageSummaryRow));
    }

    /// <summary>Answers a delete: 204 and an immediate reload when something changed, else 404.</summary>
    private static Task Changed(HttpContext context, ConfigReloader reloader, bool changed, string notFound)
    {
        if (!changed)
        {
            return Error(context, StatusCodes.Status404NotFound, notFound, "not_found");
        }

        reloader.Reload();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static async ValueTask<object?> RequireAdminAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        var context = invocation.HttpContext;
        var keys = context.RequestServices.GetRequiredService<KeyDirectory>();
        var result = keys.Authenticate(BearerToken.From(context.Request), KeyRole.Admin);
        if (result.Outcome != AuthenticationOutcome.Authenticated)
        {
            await Error(context, StatusCodes.Status401Unauthorized, "The admin API needs a valid admin key as 'Authorization: Bearer <key>'.", "invalid_api_key");
            return Results.Empty;
        }

        return await next(invocation);
    }

    private static async Task CreateKeyAsync(HttpContext context, DataFolder data, ConfigReloader reloader)
    {
        var request = await ReadAsync(context, AdminJsonContext.Default.CreateKeyRequest);
        if (request is null)
        {
            return;
        }

        KeyRole role;
        switch (request.Role)
        {
            case null or "client":
                role = KeyRole.Client;
                break;
            case "admin":
                role = KeyRole.Admin;
                break;
            default:
                await Error(context, StatusCodes.Status400BadRequest, "'role' must be 'client' or 'admin'.", "invalid_value", "role");
                return;
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            await Error(context, StatusCodes.Status400BadRequest, "'name' is required.", "missing_field", "name");
            return;
        }

        var issued = data.KeyIssuer.Issue(request.Name, role, request.Models, request.ExpiresAt);
        reloader.Reload();
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(new CreatedKeyView(ToView(issued.Key), issued.Plaintext), AdminJsonContext.Default.CreatedKeyView);
    }

    private static async Task CreateChannelAsync(HttpContext context, DataFolder data, ConfigReloader reloader)
    {
        var request = await ReadAsync(context, AdminJsonContext.Default.CreateChannelRequest);
        if (request is null)
        {
            return;
        }

        var result = data.ChannelRegistrar.Add(new ChannelSpec(
            request.Name ?? "",
            request.Provider ?? "",
            request.BaseUrl,
            request.Models ?? [],
            request.Priority ?? 0,
            request.Credential,
            request.AllowPrivateNetwork ?? false));
        if (result.Problem is { } problem)
        {
            await Error(context, StatusCodes.Status400BadRequest, problem, "invalid_channel");
            return;
        }

        reloader.Reload();
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(ToView(result.Channel!), AdminJsonContext.Default.ChannelView);
    }

    private static async Task<T?> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        try
        {
            var value = await context.Request.ReadFromJsonAsync(typeInfo, context.RequestAborted);
            if (value is null)
            {
                await Error(context, StatusCodes.Status400BadRequest, "The request body must be a JSON object.", "invalid_json");
            }

            return value;
        }
        catch (JsonException ex)
        {
            await Error(context, StatusCodes.Status400BadRequest,
                $"The request body is not valid JSON for this endpoint (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}{(ex.Path is { } p ? ", at " + p : "")}).",
                "invalid_json");
            return null;
        }
    }

    private static IResult Json<T>(T value, JsonTypeInfo<T> typeInfo) => Results.Json(value, typeInfo);

    private static Task Error(HttpContext context, int status, string message, string code, string? param = null) =>
        OpenAIErrorResponse.WriteAsync(context, status, message, "invalid_request_error", param, code);

    private static KeyView ToView(ClientKey key) => new(
        key.Id, key.Name, key.Role == KeyRole.Admin ? "admin" : "client", key.Hint, key.AllowedModels, key.CreatedAt, key.ExpiresAt, key.RevokedAt);

    private static ChannelView ToView(Channel channel) => new(
        channel.Id, channel.Name, channel.ProviderId, channel.BaseUrl.ToString(), channel.Models, channel.Priority,
        channel.AllowPrivateNetwork, channel.Credential is not null, channel.ManagedSimulator, channel.CreatedAt);
}
