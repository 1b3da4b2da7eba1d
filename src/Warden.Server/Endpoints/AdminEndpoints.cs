using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Warden.Server.Billing;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Routing;
using Warden.Server.Trust;

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
        admin.MapPatch("/channels/{idOrName}", UpdateChannelAsync);
        admin.MapGet("/routing/health", (ChannelCatalog catalog, UpstreamHealth health) => Json(
            catalog.AllTargets().Select(p => KeyHealth(p.Model, p.Target, health.Snapshot(RouteLeg.HealthKey(p.Target, p.Model)))).ToList(), AdminJsonContext.Default.ListKeyHealthView));
        admin.MapDelete("/channels/{idOrName}", (string idOrName, DataFolder data, ConfigReloader reloader, HttpContext context) =>
            Changed(context, reloader, data.Channels.Remove(idOrName), $"No channel with id or name '{idOrName}'."));

        admin.MapGet("/usage", (DataFolder data, DateTimeOffset? since) =>
            Json(data.Usage.Summarise(since), AdminJsonContext.Default.ListUsageSummaryRow));

        admin.MapGet("/tenants", (DataFolder data) =>
            Json(data.Billing.Tenants.List().Select(t => ToView(data, t)).ToList(), AdminJsonContext.Default.ListTenantView));
        admin.MapPost("/tenants", CreateTenantAsync);
        admin.MapPut("/tenants/{tenant}/keys/{keyId}", AssignKeyAsync);
        admin.MapGet("/prices", (DataFolder data) =>
            Json(data.Billing.Prices.List().Select(ToView).ToList(), AdminJsonContext.Default.ListPriceView));
        admin.MapPost("/prices", SetPriceAsync);
        admin.MapPost("/credits/topup", TopUpAsync);
        admin.MapPost("/credits/adjust", AdjustAsync);
        admin.MapPost("/credits/redeem", RedeemAsync);
        admin.MapPost("/codes", CreateCodesAsync);
        admin.MapGet("/ledger/check", (DataFolder data) =>
        {
            var problems = data.Billing.Check.Run();
            return Json(new LedgerCheckView(problems.Count == 0, problems), AdminJsonContext.Default.LedgerCheckView);
        });
        admin.MapGet("/billing/usage", BillingUsageAsync);
        PolicyAdminEndpoints.Map(admin);
        ProtectionAdminEndpoints.Map(admin);
        AccountAdminEndpoints.Map(admin);
        PaymentEndpoints.MapAdmin(admin);
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

        // Handlers that change configuration name this key in the transparency log ("admin:<key id>").
        context.Items[typeof(ClientKey)] = result.Key;
        using (ConfigActor.Use("admin:" + result.Key!.Id))
        {
            return await next(invocation);
        }
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
            request.AllowPrivateNetwork ?? false,
            Tuning: new ChannelTuning(request.Weight ?? 1, request.ConnectTimeoutMs, request.FirstByteTimeoutMs, request.IdleTimeoutMs, request.MaxConcurrency, request.Jurisdiction)));
        if (result.Problem is { } problem)
        {
            await Error(context, StatusCodes.Status400BadRequest, problem, "invalid_channel");
            return;
        }

        reloader.Reload();
        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(ToView(result.Channel!), AdminJsonContext.Default.ChannelView);
    }

    private static async Task UpdateChannelAsync(string idOrName, HttpContext context, DataFolder data, ConfigReloader reloader)
    {
        if (await ReadAsync(context, AdminJsonContext.Default.UpdateChannelRequest) is not { } request)
        {
            return;
        }

        var result = data.ChannelRegistrar.Update(idOrName, request.Enabled, request.Priority, request.Weight, request.Models);
        if (result.Problem is { } problem)
        {
            bool missing = result.Problem.StartsWith("No channel", StringComparison.Ordinal);
            await Error(context, missing ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest, problem, missing ? "not_found" : "invalid_channel");
            return;
        }

        reloader.Reload();
        await context.Response.WriteAsJsonAsync(ToView(result.Channel!), AdminJsonContext.Default.ChannelView);
    }

    private static async Task CreateTenantAsync(HttpContext context, DataFolder data)
    {
        if (await ReadAsync(context, AdminJsonContext.Default.CreateTenantRequest) is not { } request)
        {
            return;
        }

        var (tenant, problem) = data.Billing.Tenants.Add(request.Name ?? "", request.Currency ?? Currencies.Default, request.MultiplierPpm ?? 1_000_000);
        if (tenant is null)
        {
            await Error(context, StatusCodes.Status400BadRequest, problem!, "invalid_tenant");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(ToView(data, tenant), AdminJsonContext.Default.TenantView);
    }

    private static Task AssignKeyAsync(string tenant, string keyId, HttpContext context, DataFolder data)
    {
        if (data.Billing.Tenants.AssignKey(keyId, tenant) is { } problem)
        {
            return Error(context, StatusCodes.Status404NotFound, problem, "not_found");
        }

        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static async Task SetPriceAsync(HttpContext context, DataFolder data)
    {
        if (await ReadAsync(context, AdminJsonContext.Default.SetPriceRequest) is not { } request)
        {
            return;
        }

        if (request.InputPerMillion is not { } input || request.OutputPerMillion is not { } output)
        {
            await Error(context, StatusCodes.Status400BadRequest, "'input_per_million' and 'output_per_million' (micro-units per million tokens) are required.", "missing_field");
            return;
        }

        var rates = new PriceRates(input, output, request.CacheReadPerMillion ?? input, request.CacheWritePerMillion ?? input, request.ReasoningPerMillion ?? output);
        var (price, problem) = data.Billing.Prices.Set(request.Model ?? "", request.Currency ?? Currencies.Default, rates, request.EffectiveAt);
        if (price is null)
        {
            await Error(context, StatusCodes.Status400BadRequest, problem!, "invalid_price");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(ToView(price), AdminJsonContext.Default.PriceView);
    }

    private static async Task TopUpAsync(HttpContext context, DataFolder data)
    {
        if (await ReadCreditAsync(context, data) is not { } credit)
        {
            return;
        }

        var (_, problem) = data.Billing.Ledger.TopUp(credit.Tenant, credit.Request.KeyId, credit.Amount, "admin:api-topup" + (credit.Request.Note is { } n ? ":" + n : ""));
        string account = credit.Request.KeyId is { } key ? LedgerAccounts.Key(key) : credit.Tenant.AccountId;
        await BalanceAsync(context, data, credit.Tenant, account, problem);
    }

    private static async Task AdjustAsync(HttpContext context, DataFolder data)
    {
        if (await ReadCreditAsync(context, data) is not { } credit)
        {
            return;
        }

        var (_, problem) = data.Billing.Ledger.AdminAdjust(credit.Tenant.AccountId, credit.Amount, "admin:api-adjust" + (credit.Request.Note is { } n ? ":" + n : ""));
        await BalanceAsync(context, data, credit.Tenant, credit.Tenant.AccountId, problem);
    }

    private static async Task<(CreditRequest Request, Tenant Tenant, long Amount)?> ReadCreditAsync(HttpContext context, DataFolder data)
    {
        if (await ReadAsync(context, AdminJsonContext.Default.CreditRequest) is not { } request)
        {
            return null;
        }

        if (request.AmountMicros is not { } amount)
        {
            await Error(context, StatusCodes.Status400BadRequest, "'amount_micros' (integer micro-units) is required.", "missing_field", "amount_micros");
            return null;
        }

        if (data.Billing.Tenants.Find(request.Tenant ?? "") is not { } tenant)
        {
            await Error(context, StatusCodes.Status404NotFound, $"No tenant with id or name '{request.Tenant}'.", "not_found", "tenant");
            return null;
        }

        return (request, tenant, amount);
    }

    private static async Task RedeemAsync(HttpContext context, DataFolder data)
    {
        if (await ReadAsync(context, AdminJsonContext.Default.RedeemRequest) is not { } request)
        {
            return;
        }

        if (data.Billing.Tenants.Find(request.Tenant ?? "") is not { } tenant)
        {
            await Error(context, StatusCodes.Status404NotFound, $"No tenant with id or name '{request.Tenant}'.", "not_found", "tenant");
            return;
        }

        var result = data.Billing.Codes.Redeem((request.Code ?? "").Trim(), tenant);
        await BalanceAsync(context, data, tenant, tenant.AccountId, result.Problem);
    }

    private static async Task BalanceAsync(HttpContext context, DataFolder data, Tenant tenant, string account, string? problem)
    {
        if (problem is not null)
        {
            await Error(context, StatusCodes.Status400BadRequest, problem, "invalid_credit");
            return;
        }

        await context.Response.WriteAsJsonAsync(new BalanceView(account, data.Billing.Ledger.Balance(account) ?? 0, tenant.Currency), AdminJsonContext.Default.BalanceView);
    }

    private static async Task CreateCodesAsync(HttpContext context, DataFolder data)
    {
        if (await ReadAsync(context, AdminJsonContext.Default.CreateCodesRequest) is not { } request)
        {
            return;
        }

        string currency = request.Currency ?? Currencies.Default;
        var (batch, codes, problem) = data.Billing.Codes.CreateBatch(request.Count ?? 0, request.AmountMicros ?? 0, currency);
        if (batch is null)
        {
            await Error(context, StatusCodes.Status400BadRequest, problem!, "invalid_codes");
            return;
        }

        context.Response.StatusCode = StatusCodes.Status201Created;
        await context.Response.WriteAsJsonAsync(new CodeBatchView(batch, request.AmountMicros!.Value, Currencies.Normalise(currency), codes), AdminJsonContext.Default.CodeBatchView);
    }

    private static async Task BillingUsageAsync(HttpContext context, DataFolder data, string? by, DateTimeOffset? since, string? format)
    {
        if (data.Billing.Reports.Build(by ?? "tenant", since) is not { } rows)
        {
            await Error(context, StatusCodes.Status400BadRequest, "'by' must be tenant, key, model or day.", "invalid_value", "by");
            return;
        }

        if (string.Equals(format, "csv", StringComparison.Ordinal)
            || context.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.ContentType = "text/csv; charset=utf-8";
            await context.Response.WriteAsync(UsageReport.Csv(rows));
            return;
        }

        await context.Response.WriteAsJsonAsync(rows, AdminJsonContext.Default.ListUsageReportRow);
    }

    internal static async Task<T?> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> typeInfo)
        where T : class
    {
        if (!context.Request.HasJsonContentType())
        {
            // ReadFromJsonAsync would throw InvalidOperationException (a 500) on any other content type.
            await Error(context, StatusCodes.Status415UnsupportedMediaType, "The request body must be JSON, sent as 'Content-Type: application/json'.", "unsupported_media_type");
            return null;
        }

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
        catch (InvalidOperationException)
        {
            // What the deserializer throws for a string that is not text (invalid UTF-8, a lone surrogate escape).
            await Error(context, StatusCodes.Status400BadRequest, "The request body holds a string that is not valid Unicode text.", "invalid_json");
            return null;
        }
    }

    private static IResult Json<T>(T value, JsonTypeInfo<T> typeInfo) => Results.Json(value, typeInfo);

    internal static Task Error(HttpContext context, int status, string message, string code, string? param = null) =>
        OpenAIErrorResponse.WriteAsync(context, status, message, "invalid_request_error", param, code);

    private static KeyView ToView(ClientKey key) => new(
        key.Id, key.Name, key.Role == KeyRole.Admin ? "admin" : "client", key.Hint, key.AllowedModels, key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.FallbackModels);

    private static TenantView ToView(DataFolder data, Tenant tenant) =>
        new(tenant.Id, tenant.Name, tenant.Currency, tenant.MultiplierPpm, data.Billing.Ledger.Balance(tenant.AccountId) ?? 0, tenant.CreatedAt);

    private static PriceView ToView(PriceVersion p) => new(
        p.Version, p.Model, p.Currency, p.InputPerMillion, p.OutputPerMillion, p.CacheReadPerMillion, p.CacheWritePerMillion, p.ReasoningPerMillion, p.EffectiveAt, p.CreatedAt);

    private static KeyHealthView KeyHealth(string model, RouteTarget target, KeyHealthSnapshot snapshot) => new(
        target.ChannelName, target.KeyIndex, model, snapshot.State, snapshot.ConsecutiveFailures, snapshot.CoolingUntil, snapshot.OpenUntil, snapshot.LatencyMs);

    private static ChannelView ToView(Channel channel) => new(
        channel.Id, channel.Name, channel.ProviderId, channel.BaseUrl.ToString(), channel.Models, channel.Priority,
        channel.AllowPrivateNetwork, channel.Credential is not null, channel.ManagedSimulator, channel.CreatedAt, channel.Tuned, channel.Enabled);
}
