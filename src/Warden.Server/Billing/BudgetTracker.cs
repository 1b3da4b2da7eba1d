using System.Data.Common;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Billing;

/// <summary>
/// Budgets per tenant and per key. A period's window comes from the injected clock (UTC day, UTC month, or all
/// time); what counts against a budget is what settled in the window plus every open reservation, so concurrent
/// requests cannot together overrun it. The check runs inside the reservation's own transaction. Setting a budget is a
/// logged configuration event.
/// </summary>
internal sealed class BudgetTracker(WardenDatabase database, TimeProvider time)
{
    /// <summary>The start of the period containing <paramref name="now"/> (inclusive), or null for all time.</summary>
    public static DateTimeOffset? WindowStart(BudgetPeriod period, DateTimeOffset now)
    {
        var utc = now.ToUniversalTime();
        return period switch
        {
            BudgetPeriod.Daily => new DateTimeOffset(utc.Year, utc.Month, utc.Day, 0, 0, 0, TimeSpan.Zero),
            BudgetPeriod.Monthly => new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero),
            _ => null,
        };
    }

    /// <summary>Sets (or replaces) a budget.</summary>
    public string? Set(string scope, string subjectId, BudgetPeriod period, long limitMicros)
    {
        if (scope is not ("tenant" or "key"))
        {
            return "The scope must be 'tenant' or 'key'.";
        }

        if (limitMicros < 0)
        {
            return "A budget limit cannot be negative.";
        }

        if (Money.AmountProblem(limitMicros, "A budget limit") is { } problem)
        {
            return problem;
        }

        database.ChangeConfiguration(
            """
            INSERT INTO budgets (scope, subject_id, period, limit_micros, created_at) VALUES (@s, @id, @p, @l, @t)
            ON CONFLICT (scope, subject_id, period) DO UPDATE SET limit_micros = excluded.limit_micros
            """,
            p =>
            {
                p.AddWithValue("@s", scope);
                p.AddWithValue("@id", subjectId);
                p.AddWithValue("@p", Budget.PeriodName(period));
                p.AddWithValue("@l", limitMicros);
                p.AddWithValue("@t", SqlTime.Format(time.GetUtcNow()));
            },
            new ConfigEvent("budget.set", scope + "/" + subjectId + "/" + Budget.PeriodName(period), database.CurrentActor));
        return null;
    }

    public List<Budget> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT scope, subject_id, period, limit_micros FROM budgets ORDER BY scope, subject_id, period";
        using var reader = command.ExecuteReader();
        var list = new List<Budget>();
        while (reader.Read())
        {
            list.Add(new Budget(reader.GetString(0), reader.GetString(1), Budget.ParsePeriod(reader.GetString(2))!.Value, reader.GetInt64(3)));
        }

        return list;
    }

    /// <summary>
    /// Inside the caller's transaction: the first budget of the tenant or key that <paramref name="amountMicros"/>
    /// more would exceed, as a message, or null when every budget has room.
    /// </summary>
    public string? Exceeded(DbConnection connection, DbTransaction transaction, string tenantId, string? keyId, long amountMicros)
    {
        var now = time.GetUtcNow();
        foreach (var budget in Applicable(connection, transaction, tenantId, keyId))
        {
            var start = WindowStart(budget.Period, now);
            string column = budget.Scope == "tenant" ? "tenant_id" : "key_id";
            using var spent = connection.CreateCommand();
            spent.Transaction = transaction;
            spent.CommandText = $"""
                SELECT (SELECT COALESCE(CAST(SUM(charged_micros) AS BIGINT), 0) FROM settlements WHERE {column} = @id AND (CAST(@start AS TEXT) IS NULL OR created_at >= @start))
                     + (SELECT COALESCE(CAST(SUM(amount_micros) AS BIGINT), 0) FROM reservations WHERE {column} = @id AND state = 'open')
                """;
            spent.Parameters.AddWithValue("@id", budget.SubjectId);
            spent.Parameters.AddWithValue("@start", start is { } s ? SqlTime.Format(s) : DBNull.Value);
            long used = StorageCommands.ToInt64(spent.ExecuteScalar());
            // Int128: a hold near the top of the range plus what was used must compare, not wrap.
            if ((Int128)used + amountMicros > budget.LimitMicros)
            {
                return $"The {Budget.PeriodName(budget.Period)} budget of this {budget.Scope} ({Money.Format(budget.LimitMicros)}) would be exceeded: "
                    + $"{Money.Format(used)} used or held, this request may cost up to {Money.Format(amountMicros)}.";
            }
        }

        return null;
    }

    private static List<Budget> Applicable(DbConnection connection, DbTransaction transaction, string tenantId, string? keyId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT scope, subject_id, period, limit_micros FROM budgets
            WHERE (scope = 'tenant' AND subject_id = @t) OR (scope = 'key' AND subject_id = @k)
            """;
        command.Parameters.AddWithValue("@t", tenantId);
        command.Parameters.AddWithValue("@k", (object?)keyId ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var list = new List<Budget>();
        while (reader.Read())
        {
            list.Add(new Budget(reader.GetString(0), reader.GetString(1), Budget.ParsePeriod(reader.GetString(2))!.Value, reader.GetInt64(3)));
        }

        return list;
    }
}
