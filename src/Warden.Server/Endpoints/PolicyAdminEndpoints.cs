using System.Text.Json;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Routing;
using Warden.Server.Trust;

namespace Warden.Server.Endpoints;

/// <summary>
/// The admin API for issue 4's declarations, the same operations as <c>warden aliases</c>, <c>warden policy</c> and
/// <c>warden keys fallback</c>: aliases under <c>/admin/aliases</c>, channel policies under <c>/admin/policies</c>, a
/// key's fallback list at <c>/admin/keys/{id}/fallback</c>. Each write is logged as made by <c>admin:&lt;key id&gt;</c>
/// and takes effect (reload) only after its log entry committed.
/// </summary>
internal static class PolicyAdminEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/aliases", (DataFolder data) =>
            Results.Json(data.Aliases.List().Select(ToView).ToList(), AdminJsonContext.Default.ListAliasView));
        admin.MapPost("/aliases", AddAliasAsync);
        admin.MapDelete("/aliases/{name}", (string name, HttpContext context, DataFolder data, ConfigReloader reloader) =>
        {
            bool removed;
            using (AsAdmin(context))
            {
                removed = data.Aliases.Remove(name);
            }

            return Done(context, reloader, removed ? null : $"No alias named '{name}'.");
        });

        admin.MapGet("/policies", (DataFolder data) =>
        {
            var names = data.Channels.List().ToDictionary(c => c.Id, c => c.Name, StringComparer.Ordinal);
            return Results.Json(
                data.Policies.List().Where(p => names.ContainsKey(p.ChannelId)).Select(p => ToView(p, names[p.ChannelId])).ToList(),
                AdminJsonContext.Default.ListPolicyView);
        });
        admin.MapGet("/policies/{channel}", GetPolicyAsync);
        admin.MapPut("/policies/{channel}", SetPolicyAsync);
        admin.MapDelete("/policies/{channel}", (string channel, HttpContext context, DataFolder data, ConfigReloader reloader) =>
        {
            string? problem;
            using (AsAdmin(context))
            {
                problem = data.Policies.Clear(channel);
            }

            return Done(context, reloader, problem);
        });

        admin.MapPut("/keys/{id}/fallback", SetFallbackAsync);
    }

    private static async Task AddAliasAsync(HttpContext context, DataFolder data, ConfigReloader reloader)
    {
        if (await AdminEndpoints.ReadAsync(context, AdminJsonContext.Default.CreateAliasRequest) is not { } request)
        {
            return;
        }

        (ModelAlias? alias, string? problem) result;
        using (AsAdmin(context))
        {
            result = data.Aliases.Add(request.Name ?? "", request.Model ?? "", request.Provider, request.Version);
        }

        if (result.alias is not { } alias)
        {
            await AdminEndpoints.Error(context, StatusCodes.Status400BadRequest, result.problem!, "invalid_alias");
            return;
        }

        reloader.Reload();
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(ToView(alias), AdminJsonContext.Default.AliasView);
    }

    private static async Task GetPolicyAsync(string channel, HttpContext context, DataFolder data)
    {
        if (data.Channels.List().FirstOrDefault(c => c.Id == channel || c.Name == channel) is not { } target)
        {
            await AdminEndpoints.Error(context, StatusCodes.Status404NotFound, $"No channel with id or name '{channel}'.", "not_found");
            return;
        }

        if (data.Policies.List().FirstOrDefault(p => p.ChannelId == target.Id) is not { } policy)
        {
            await AdminEndpoints.Error(context, StatusCodes.Status404NotFound, $"Channel '{target.Name}' has no policy.", "not_found");
            return;
        }

        await context.Response.WriteAsJsonAsync(ToView(policy, target.Name), AdminJsonContext.Default.PolicyView);
    }

    private static async Task SetPolicyAsync(string channel, HttpContext context, DataFolder data, ConfigReloader reloader)
    {
        if (await AdminEndpoints.ReadAsync(context, AdminJsonContext.Default.SetPolicyRequest) is not { } request)
        {
            return;
        }

        var overrides = (request.Overrides ?? []).ToDictionary(o => o.Key, o => o.Value.GetRawText(), StringComparer.Ordinal);
        (ChannelPolicy? policy, string? problem) result;
        using (AsAdmin(context))
        {
            result = data.Policies.Set(channel, request.SystemPrefix, request.MaxOutputTokensCap, overrides);
        }

        if (result.policy is not { } policy)
        {
            int status = result.problem!.StartsWith("No channel", StringComparison.Ordinal) ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
            await AdminEndpoints.Error(context, status, result.problem, status == 404 ? "not_found" : "invalid_policy");
            return;
        }

        reloader.Reload();
        string name = data.Channels.List().First(c => c.Id == policy.ChannelId).Name;
        await context.Response.WriteAsJsonAsync(ToView(policy, name), AdminJsonContext.Default.PolicyView);
    }

    private static async Task SetFallbackAsync(string id, HttpContext context, DataFolder data, ConfigReloader reloader)
    {
        if (await AdminEndpoints.ReadAsync(context, AdminJsonContext.Default.SetFallbackRequest) is not { } request)
        {
            return;
        }

        string? problem;
        using (AsAdmin(context))
        {
            problem = data.Keys.SetFallback(id, request.Models ?? []);
        }

        if (problem is not null)
        {
            int status = problem.StartsWith("No key", StringComparison.Ordinal) ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
            await AdminEndpoints.Error(context, status, problem, status == 404 ? "not_found" : "invalid_fallback", "models");
            return;
        }

        reloader.Reload();
        var key = data.Keys.List().First(k => k.Id == id);
        await context.Response.WriteAsJsonAsync(new FallbackView(key.Id, key.FallbackModels, key.FallbackModels.Count == 0), AdminJsonContext.Default.FallbackView);
    }

    /// <summary>Names the calling admin key as the actor of the configuration writes in this scope.</summary>
    private static IDisposable AsAdmin(HttpContext context) =>
        ConfigActor.Use("admin:" + ((ClientKey)context.Items[typeof(ClientKey)]!).Id);

    /// <summary>Answers a delete: 204 and an immediate reload when it happened, else 404 with the reason.</summary>
    private static Task Done(HttpContext context, ConfigReloader reloader, string? problem)
    {
        if (problem is not null)
        {
            return AdminEndpoints.Error(context, StatusCodes.Status404NotFound, problem, "not_found");
        }

        reloader.Reload();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static AliasView ToView(ModelAlias alias) => new(alias.Name, alias.Model, alias.Provider, alias.Version, alias.CreatedAt);

    private static PolicyView ToView(ChannelPolicy policy, string channelName)
    {
        var overrides = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (field, json) in policy.Overrides)
        {
            using var document = JsonDocument.Parse(json);
            overrides[field] = document.RootElement.Clone();
        }

        return new PolicyView(channelName, policy.ChannelId, policy.SystemPrefix, policy.MaxOutputTokensCap, overrides, policy.Version, policy.UpdatedAt);
    }
}
