using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Residency;
using Warden.Server.Trust;

namespace Warden.Server.Endpoints;

/// <summary>
/// The admin API for issue 20, the same operations as <c>warden protection</c> and <c>warden transfers report</c>:
/// residency rules under <c>/admin/protection</c> (a tenant's at <c>tenants/{tenant}</c>, a key's at <c>keys/{id}</c>)
/// and the transfer register's totals at <c>/admin/transfers/report</c>. Each write is logged as made by
/// <c>admin:&lt;key id&gt;</c> and takes effect (reload) only after its log entry committed.
/// </summary>
internal static class ProtectionAdminEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/protection", (DataFolder data) =>
            Results.Json(data.Residency.List().Select(ToView).ToList(), AdminJsonContext.Default.ListResidencyRuleView));
        admin.MapPut("/protection/tenants/{tenant}", (string tenant, HttpContext context, DataFolder data, ConfigReloader reloader) =>
            SetAsync(context, data, reloader, tenant, null));
        admin.MapPut("/protection/keys/{id}", (string id, HttpContext context, DataFolder data, ConfigReloader reloader) =>
            SetAsync(context, data, reloader, null, id));
        admin.MapDelete("/protection/tenants/{tenant}", (string tenant, HttpContext context, DataFolder data, ConfigReloader reloader) =>
            ClearAsync(context, data, reloader, tenant, null));
        admin.MapDelete("/protection/keys/{id}", (string id, HttpContext context, DataFolder data, ConfigReloader reloader) =>
            ClearAsync(context, data, reloader, null, id));
        admin.MapGet("/transfers/report", ReportAsync);
    }

    private static async Task SetAsync(HttpContext context, DataFolder data, ConfigReloader reloader, string? tenant, string? key)
    {
        if (await AdminEndpoints.ReadAsync(context, AdminJsonContext.Default.SetResidencyRuleRequest) is not { } request)
        {
            return;
        }

        (ResidencyRule? rule, string? problem) result;
        using (AsAdmin(context))
        {
            result = data.Residency.Set(new ResidencyRuleSpec(tenant, key, request.Home, request.Allow is null ? null : string.Join(',', request.Allow),
                request.PersonalDataAbroad, request.LegalBasis, request.Uninspectable, request.Patterns?.Select(p => p.Key + "=" + p.Value).ToList()));
        }

        if (result.rule is not { } rule)
        {
            int status = result.problem!.StartsWith("No ", StringComparison.Ordinal) ? StatusCodes.Status404NotFound : StatusCodes.Status400BadRequest;
            await AdminEndpoints.Error(context, status, result.problem, status == 404 ? "not_found" : "invalid_residency_rule");
            return;
        }

        reloader.Reload();
        await context.Response.WriteAsJsonAsync(ToView(rule), AdminJsonContext.Default.ResidencyRuleView);
    }

    private static Task ClearAsync(HttpContext context, DataFolder data, ConfigReloader reloader, string? tenant, string? key)
    {
        string? problem;
        using (AsAdmin(context))
        {
            problem = data.Residency.Clear(tenant, key);
        }

        if (problem is not null)
        {
            return AdminEndpoints.Error(context, StatusCodes.Status404NotFound, problem, "not_found");
        }

        reloader.Reload();
        context.Response.StatusCode = StatusCodes.Status204NoContent;
        return Task.CompletedTask;
    }

    private static async Task ReportAsync(HttpContext context, DataFolder data, DateTimeOffset? since, string? format)
    {
        var rows = data.Transfers.Report(since);
        if (string.Equals(format, "csv", StringComparison.Ordinal)
            || context.Request.Headers.Accept.Any(a => a is not null && a.Contains("text/csv", StringComparison.OrdinalIgnoreCase)))
        {
            context.Response.ContentType = "text/csv; charset=utf-8";
            await context.Response.WriteAsync(TransferRegister.Csv(rows));
            return;
        }

        await context.Response.WriteAsJsonAsync(rows, AdminJsonContext.Default.ListTransferReportRow);
    }

    private static IDisposable AsAdmin(HttpContext context) =>
        ConfigActor.Use("admin:" + ((ClientKey)context.Items[typeof(ClientKey)]!).Id);

    private static ResidencyRuleView ToView(ResidencyRule rule) => new(
        rule.Scope == ResidencyScope.Tenant ? "tenant" : "key",
        rule.SubjectId,
        rule.Home,
        rule.Allowed.IsDefaultOrEmpty ? null : [.. rule.Allowed],
        ResidencyRule.ActionName(rule.PersonalDataAbroad),
        rule.LegalBasis,
        ResidencyRule.ActionName(rule.Uninspectable),
        rule.Version,
        rule.UpdatedAt,
        rule.Patterns.ToDictionary(pattern => pattern.Name, pattern => pattern.Pattern, StringComparer.Ordinal));
}
