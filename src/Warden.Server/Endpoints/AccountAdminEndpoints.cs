using System.Text.Json;
using Warden.Server.Console.Customers;
using Warden.Server.Hosting;
using Warden.Server.Keys;

namespace Warden.Server.Endpoints;

/// <summary>
/// The admin API for customer accounts (issue 23), the same operations as the console's accounts page and
/// <c>warden accounts</c>: <c>GET /admin/accounts</c>, <c>POST /admin/accounts/invitations</c> with
/// <c>{"tenant":"&lt;id or name&gt;"}</c> (the one-time link and its token appear only in this answer), and
/// <c>POST /admin/accounts/{id}/disable</c> (its sessions end).
/// </summary>
internal static class AccountAdminEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/accounts", ListAsync);
        admin.MapPost("/accounts/invitations", InviteAsync);
        admin.MapPost("/accounts/{id}/disable", DisableAsync);
    }

    private static async Task ListAsync(HttpContext context, CustomerAccountStore accounts)
    {
        await WriteAsync(context, StatusCodes.Status200OK, w =>
        {
            w.WriteStartArray();
            foreach (var account in accounts.List())
            {
                w.WriteStartObject();
                w.WriteString("id", account.Id);
                w.WriteString("tenant_id", account.TenantId);
                w.WriteString("name", account.Name);
                w.WriteBoolean("totp", account.TotpEnabled);
                w.WriteString("created_at", account.CreatedAt);
                if (account.DisabledAt is { } disabled)
                {
                    w.WriteString("disabled_at", disabled);
                }
                else
                {
                    w.WriteNull("disabled_at");
                }

                w.WriteEndObject();
            }

            w.WriteEndArray();
        });
    }

    private static async Task InviteAsync(HttpContext context, CustomerAccountStore accounts, DataFolder data, ILogger<CustomerAccountStore> logger)
    {
        string? tenantName = null;
        try
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("tenant", out var tenant) && tenant.ValueKind == JsonValueKind.String)
            {
                tenantName = tenant.GetString();
            }
        }
        catch (JsonException)
        {
            await AdminEndpoints.Error(context, StatusCodes.Status400BadRequest, "The request body must be JSON: {\"tenant\":\"<tenant id or name>\"}.", "invalid_json");
            return;
        }

        if (string.IsNullOrEmpty(tenantName))
        {
            await AdminEndpoints.Error(context, StatusCodes.Status400BadRequest, "Give the tenant: {\"tenant\":\"<tenant id or name>\"}.", "missing_tenant", "tenant");
            return;
        }

        if (data.Billing.Tenants.Find(tenantName) is not { } found)
        {
            await AdminEndpoints.Error(context, StatusCodes.Status404NotFound, $"No tenant with id or name '{tenantName}'.", "not_found", "tenant");
            return;
        }

        string actor = "admin:" + ((ClientKey)context.Items[typeof(ClientKey)]!).Id;
        var invitation = accounts.Invite(found.Id, actor);
        Telemetry.Log.CustomerInvited(logger, found.Name, actor, invitation.Id);
        await WriteAsync(context, StatusCodes.Status201Created, w =>
        {
            w.WriteStartObject();
            w.WriteString("id", invitation.Id);
            w.WriteString("tenant_id", found.Id);
            w.WriteString("link", invitation.Link);
            w.WriteString("expires_at", invitation.ExpiresAt);
            w.WriteEndObject();
        });
    }

    private static async Task DisableAsync(string id, HttpContext context, CustomerAccountStore accounts, CustomerSessions sessions, ILogger<CustomerAccountStore> logger)
    {
        if (!accounts.Disable(id))
        {
            await AdminEndpoints.Error(context, StatusCodes.Status404NotFound, $"No active customer account with id '{id}'.", "not_found");
            return;
        }

        int closed = sessions.CloseAll(id);
        Telemetry.Log.CustomerDisabled(logger, id, "admin:" + ((ClientKey)context.Items[typeof(ClientKey)]!).Id, closed);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter))
        {
            write(writer);
        }

        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
