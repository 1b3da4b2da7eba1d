using System.Text.Json;
using Warden.Server.Keys;
using Warden.Server.Protocols;
using Warden.Server.Routing;
using Warden.Server.Storage;

namespace Warden.Server.Endpoints;

/// <summary>
/// <c>GET /v1/policy</c>: what the operator declared for the calling key, so a key holder can check it without
/// trusting the operator's word elsewhere. For every channel serving a model the key may use (directly or through an
/// alias): its name, provider, jurisdiction, upstream scheme, host and port, those models and its request policy (null when it changes nothing);
/// then the aliases the key may use with their targets, and the key's own fallback list ("strict" when empty).
/// The key may be sent in any protocol's place (Bearer, x-api-key, x-goog-api-key or ?key=).
/// </summary>
internal static class PolicyEndpoint
{
    public static async Task HandleAsync(HttpContext context, KeyDirectory keys, ChannelCatalog catalog, AliasCatalog aliases, PolicyCatalog policies)
    {
        string? presented = ClientProtocol.ReadAnyKey(context.Request, includeQuery: true);
        var key = await ModelsEndpoint.AuthenticateAsync(context, keys, presented, ClientProtocol.Fallback);
        if (key is null)
        {
            return;
        }

        var usableAliases = aliases.All.Where(a => key.MayUse(a.Name)).ToList();

        // Models the key can reach: those it may call, and the targets of aliases it may call.
        var reachable = new SortedSet<string>(catalog.Models.Where(key.MayUse), StringComparer.Ordinal);
        reachable.UnionWith(usableAliases.Select(a => a.Model));
        var channels = new SortedDictionary<string, (RouteTarget Target, SortedSet<string> Models)>(StringComparer.Ordinal);
        foreach (string model in reachable)
        {
            foreach (var target in catalog.Find(model))
            {
                if (!channels.TryGetValue(target.ChannelName, out var entry))
                {
                    channels[target.ChannelName] = entry = (target, new SortedSet<string>(StringComparer.Ordinal));
                }

                entry.Models.Add(model);
            }
        }

        context.Response.ContentType = "application/json";
        using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            writer.WriteStartObject();
            writer.WriteString("object"u8, "warden.policy");
            writer.WriteString("key_id"u8, key.Id);
            writer.WriteStartArray("channels"u8);
            foreach (var (name, (target, models)) in channels)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, name);
                writer.WriteString("provider"u8, target.Upstream.Profile.Id);
                writer.WriteString("jurisdiction"u8, target.Jurisdiction);

                // Where the channel's traffic goes: the host and port its receipts state (upstream_host, upstream_port),
                // and whether it is TLS (then receipts also state the upstream's key), so a key holder can see a swap.
                var baseUrl = target.Upstream.BaseUrl;
                writer.WriteString("scheme"u8, baseUrl.Scheme);
                writer.WriteString("host"u8, baseUrl.IdnHost);
                writer.WriteNumber("port"u8, baseUrl.Port);
                writer.WriteStartArray("models"u8);
                foreach (string model in models)
                {
                    writer.WriteStringValue(model);
                }

                writer.WriteEndArray();
                WritePolicy(writer, policies.For(target.ChannelId));
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("aliases"u8);
            foreach (var alias in usableAliases)
            {
                writer.WriteStartObject();
                writer.WriteString("name"u8, alias.Name);
                writer.WriteString("model"u8, alias.Model);
                ModelsEndpoint.WriteNullable(writer, "provider"u8, alias.Provider);
                ModelsEndpoint.WriteNullable(writer, "version"u8, alias.Version);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("fallback_models"u8);
            foreach (string model in key.FallbackModels)
            {
                writer.WriteStringValue(model);
            }

            writer.WriteEndArray();
            writer.WriteBoolean("strict"u8, key.FallbackModels.Count == 0);
            writer.WriteEndObject();
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    private static void WritePolicy(Utf8JsonWriter writer, ChannelPolicy? policy)
    {
        if (policy is null || policy.IsEmpty)
        {
            writer.WriteNull("policy"u8);
            return;
        }

        writer.WriteStartObject("policy"u8);
        ModelsEndpoint.WriteNullable(writer, "system_prefix"u8, policy.SystemPrefix);
        if (policy.MaxOutputTokensCap is { } cap)
        {
            writer.WriteNumber("max_output_tokens_cap"u8, cap);
        }
        else
        {
            writer.WriteNull("max_output_tokens_cap"u8);
        }

        writer.WriteStartObject("overrides"u8);
        foreach (var (field, json) in policy.Overrides)
        {
            writer.WritePropertyName(field);
            writer.WriteRawValue(json);
        }

        writer.WriteEndObject();
        writer.WriteNumber("version"u8, policy.Version);
        writer.WriteString("updated_at"u8, SqlTime.Format(policy.UpdatedAt));
        writer.WriteEndObject();
    }
}
