using System.Globalization;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Server.Billing;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Protocols;
using Warden.Server.Routing;

namespace Warden.Server.Endpoints;

/// <summary>
/// What a key holder may see about their own key, authenticated by that key like every /v1 route: the balance they
/// spend from, their limits and budgets, their own usage and the models they may call. Never another key's usage.
/// <c>/v1/dashboard/billing/subscription</c> and <c>/usage</c> answer in the shapes ChatGPT-Next-Web, LobeChat and
/// one-api's clients read (one-api's <c>OpenAISubscriptionResponse</c>: a balance check computes hard_limit_usd −
/// total_usage / 100 over the month); <c>/v1/me</c> is Warden's own, with exact micro-unit amounts.
/// </summary>
internal static class SelfServiceEndpoints
{
    // What one-api answers for a key without a quota; the dashboard clients show it as "unlimited".
    private const decimal UnmeteredLimit = 100_000_000m;

    public static void Map(WebApplication app)
    {
        app.MapGet("/v1/dashboard/billing/subscription", SubscriptionAsync);
        app.MapGet("/v1/dashboard/billing/usage", UsageAsync);
        app.MapGet("/v1/me", MeAsync);
    }

    /// <summary>
    /// hard_limit_usd is the balance plus what this key was charged this month (UTC), so that a client subtracting the
    /// month's usage shows the balance; amounts are in the tenant's currency (the field names are the clients').
    /// </summary>
    private static async Task SubscriptionAsync(HttpContext context, KeyDirectory keys, DataFolder data, TimeProvider time)
    {
        if (await AuthenticateAsync(context, keys) is not { } key)
        {
            return;
        }

        var account = Account.Of(data, key);
        var now = time.GetUtcNow();
        decimal limit = UnmeteredLimit;
        if (account.Tenant is not null)
        {
            var month = BudgetTracker.WindowStart(BudgetPeriod.Monthly, now)!.Value;
            long charged = new KeySpending(data.Database).ChargedMicros(key.Id, month, now.AddSeconds(1));
            limit = Units(checked(account.BalanceMicros + charged));
        }

        await ModelsEndpoint.WriteObjectAsync(context, writer =>
        {
            writer.WriteString("object"u8, "billing_subscription");
            writer.WriteBoolean("has_payment_method"u8, account.Tenant is not null);
            writer.WriteNumber("soft_limit_usd"u8, limit);
            writer.WriteNumber("hard_limit_usd"u8, limit);
            writer.WriteNumber("system_hard_limit_usd"u8, limit);
            writer.WriteNumber("access_until"u8, key.ExpiresAt?.ToUnixTimeSeconds() ?? 0);
            ModelsEndpoint.WriteNullable(writer, "currency"u8, account.Tenant?.Currency);
        });
    }

    /// <summary>total_usage in hundredths of the currency unit (OpenAI's cents) for the key's requests settled from start_date to end_date (exclusive).</summary>
    private static async Task UsageAsync(HttpContext context, KeyDirectory keys, DataFolder data, TimeProvider time)
    {
        if (await AuthenticateAsync(context, keys) is not { } key)
        {
            return;
        }

        var now = time.GetUtcNow();
        var from = BudgetTracker.WindowStart(BudgetPeriod.Monthly, now)!.Value;
        var to = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(1);
        if (!TryDate(context, "start_date", ref from) || !TryDate(context, "end_date", ref to) || to < from)
        {
            await ClientProtocol.Fallback.WriteErrorAsync(context, new ClientError(StatusCodes.Status400BadRequest, ClientErrorKind.InvalidRequest,
                "start_date and end_date are dates (yyyy-MM-dd), end_date not before start_date.", "start_date", "invalid_date"));
            return;
        }

        long charged = new KeySpending(data.Database).ChargedMicros(key.Id, from, to);
        await ModelsEndpoint.WriteObjectAsync(context, writer =>
        {
            writer.WriteString("object"u8, "list");
            writer.WriteNumber("total_usage"u8, charged / 10_000m);
            writer.WriteStartArray("daily_costs"u8);
            writer.WriteEndArray();
            ModelsEndpoint.WriteNullable(writer, "currency"u8, Account.Of(data, key).Tenant?.Currency);
        });
    }

    private static async Task MeAsync(HttpContext context, KeyDirectory keys, DataFolder data, TimeProvider time, ChannelCatalog catalog, AliasCatalog aliases)
    {
        if (await AuthenticateAsync(context, keys) is not { } key)
        {
            return;
        }

        var account = Account.Of(data, key);
        var now = time.GetUtcNow();
        var month = BudgetTracker.WindowStart(BudgetPeriod.Monthly, now)!.Value;
        var spending = new KeySpending(data.Database);
        long charged = spending.ChargedMicros(key.Id, month, now.AddSeconds(1));
        var (requests, input, output) = spending.Usage(key.Id, month, now.AddSeconds(1));
        var snapshot = data.Billing.Catalog.Current;
        var budgets = data.Billing.Budgets.List()
            .Where(b => (b.Scope == "key" && b.SubjectId == key.Id) || (b.Scope == "tenant" && b.SubjectId == account.Tenant?.Id))
            .ToList();

        await ModelsEndpoint.WriteObjectAsync(context, writer =>
        {
            writer.WriteString("object"u8, "warden.me");
            writer.WriteStartObject("key"u8);
            writer.WriteString("id"u8, key.Id);
            writer.WriteString("name"u8, key.Name);
            writer.WriteString("hint"u8, key.Hint);
            ModelsEndpoint.WriteNullable(writer, "expires_at"u8, key.ExpiresAt?.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteEndObject();

            writer.WriteBoolean("metered"u8, account.Tenant is not null);
            ModelsEndpoint.WriteNullable(writer, "tenant"u8, account.Tenant?.Name);
            ModelsEndpoint.WriteNullable(writer, "currency"u8, account.Tenant?.Currency);
            if (account.Tenant is null)
            {
                writer.WriteNull("balance"u8);
            }
            else
            {
                writer.WriteStartObject("balance"u8);
                writer.WriteString("account"u8, account.OwnAccount ? "key" : "tenant");
                writer.WriteNumber("micros"u8, account.BalanceMicros);
                writer.WriteString("amount"u8, Money.Format(account.BalanceMicros));
                writer.WriteEndObject();
            }

            writer.WriteStartArray("rate_limits"u8);
            foreach (var limits in snapshot.LimitsFor(account.Tenant?.Id, key.Id))
            {
                writer.WriteStartObject();
                writer.WriteString("scope"u8, limits.Scope);
                WriteNullable(writer, "requests_per_minute"u8, limits.RequestsPerMinute);
                WriteNullable(writer, "tokens_per_minute"u8, limits.TokensPerMinute);
                WriteNullable(writer, "concurrent"u8, limits.Concurrent);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();

            // A tenant's budget is shared by its keys: its limit is shown, not what the other keys spent of it.
            writer.WriteStartArray("budgets"u8);
            foreach (var budget in budgets)
            {
                writer.WriteStartObject();
                writer.WriteString("scope"u8, budget.Scope);
                writer.WriteString("period"u8, Budget.PeriodName(budget.Period));
                writer.WriteNumber("limit_micros"u8, budget.LimitMicros);
                if (budget.Scope == "key")
                {
                    var start = BudgetTracker.WindowStart(budget.Period, now) ?? DateTimeOffset.UnixEpoch;
                    writer.WriteNumber("spent_micros"u8, spending.ChargedMicros(key.Id, start, now.AddSeconds(1)));
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();

            writer.WriteStartObject("usage_this_month"u8);
            writer.WriteString("since"u8, month.ToString("O", CultureInfo.InvariantCulture));
            writer.WriteNumber("requests"u8, requests);
            writer.WriteNumber("input_tokens"u8, input);
            writer.WriteNumber("output_tokens"u8, output);
            writer.WriteNumber("charged_micros"u8, charged);
            writer.WriteEndObject();

            writer.WriteStartArray("models"u8);
            foreach (var model in ModelsEndpoint.Visible(catalog, aliases, key))
            {
                writer.WriteStringValue(model.Model);
            }

            writer.WriteEndArray();
        });
    }

    private static Task<ClientKey?> AuthenticateAsync(HttpContext context, KeyDirectory keys) =>
        ModelsEndpoint.AuthenticateAsync(context, keys, ClientProtocol.ReadAnyKey(context.Request), ClientProtocol.Fallback);

    private static decimal Units(long micros) => micros / 1_000_000m;

    private static bool TryDate(HttpContext context, string name, ref DateTimeOffset value)
    {
        string? text = context.Request.Query[name];
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            return false;
        }

        value = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        return true;
    }

    private static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, long? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    /// <summary>The account a key spends from: its own when it has one, else its tenant's; none for an unmetered key.</summary>
    private sealed record Account(Tenant? Tenant, bool OwnAccount, long BalanceMicros)
    {
        public static Account Of(DataFolder data, ClientKey key)
        {
            var snapshot = data.Billing.Catalog.Current;
            if (snapshot.TenantOfKey(key.Id) is not { } tenant)
            {
                return new Account(null, false, 0);
            }

            bool own = snapshot.HasKeyAccount(key.Id);
            long balance = data.Billing.Ledger.Balance(own ? LedgerAccounts.Key(key.Id) : tenant.AccountId) ?? 0;
            return new Account(tenant, own, balance);
        }
    }
}
