using System.Collections.Concurrent;
using System.Data.Common;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Billing;

/// <summary>
/// The double-entry credit ledger. Every balance change is a transaction of entries summing to zero, written in one
/// SQLite transaction begun IMMEDIATE, so concurrent writers (threads or processes) serialise on the database's
/// write lock and a check-then-debit can never interleave: no customer balance goes below zero.
/// Reserve moves the worst case from the customer account to <c>system:reserved</c>; Settle releases the hold,
/// charges the actual cost to <c>system:revenue</c> and refunds the difference, exactly once per request id.
/// </summary>
internal sealed class Ledger(WardenDatabase database, BudgetTracker budgets, BillingCatalog catalog, TimeProvider time)
{
    // System accounts seen to exist in committed data: they are never deleted, so reservations and settlements skip
    // the per-request "create if missing" write for them.
    private readonly ConcurrentDictionary<string, bool> _systemAccounts = new(StringComparer.Ordinal);

    /// <summary>The customer balance available to spend (holds already taken out).</summary>
    public long? Balance(string account)
    {
        using var connection = database.Open();
        return LedgerSql.Account(connection, null, account)?.Balance;
    }

    /// <summary>
    /// Credits a tenant (or key) account from <c>system:topups</c>. A key's first top-up creates its own account,
    /// which then pays for its requests instead of the tenant's: that is a configuration event, logged with the
    /// top-up and reloading the billing snapshot.
    /// </summary>
    public (string? TransactionId, string? Problem) TopUp(Tenant tenant, string? keyId, long amountMicros, string reference)
    {
        if (amountMicros <= 0)
        {
            return (null, "A top-up amount must be positive.");
        }

        if (Money.AmountProblem(amountMicros, "A top-up amount") is { } amountProblem)
        {
            return (null, amountProblem);
        }

        var now = time.GetUtcNow();
        var (id, accountCreated, problem) = database.ChangeConfiguration<(string? Id, bool AccountCreated, string? Problem)>((connection, transaction) =>
        {
            string account = keyId is null ? tenant.AccountId : LedgerAccounts.Key(keyId);
            string system = LedgerAccounts.System(LedgerAccounts.Topups, tenant.Currency);
            // Refused before anything is written (the configuration transaction always commits).
            if (LedgerSql.BalanceProblem(connection, transaction,
                [new(system, -amountMicros, LedgerEntryKind.TopUp), new(account, amountMicros, LedgerEntryKind.TopUp)]) is { } rangeProblem)
            {
                return ((null, false, rangeProblem), null);
            }

            ConfigEvent? created = null;
            if (keyId is not null)
            {
                if (LedgerSql.EnsureAccount(connection, transaction, account, "key", tenant.Id, keyId, tenant.Currency, now))
                {
                    created = new ConfigEvent("key_account.create", keyId, database.CurrentActor);
                }
            }

            EnsureSystemAccount(connection, transaction, system, tenant.Currency, now);
            string id = LedgerSql.Post(connection, transaction,
                [new(system, -amountMicros, LedgerEntryKind.TopUp), new(account, amountMicros, LedgerEntryKind.TopUp)], reference, now);
            return ((id, created is not null, null), created);
        });
        if (accountCreated)
        {
            catalog.Reload();
        }

        return (id, problem);
    }

    /// <summary>
    /// Credits a tenant's account from <c>system:topups</c> inside the caller's IMMEDIATE transaction, with the same
    /// entries as <see cref="TopUp"/>: a verified payment marks its order credited in that same transaction, so the
    /// credit and the mark commit together or not at all (docs/billing.md, "Top-up by payment").
    /// </summary>
    public (string? TransactionId, string? Problem) TopUpWithin(DbConnection connection, DbTransaction transaction, Tenant tenant, long amountMicros, string reference)
    {
        if (amountMicros <= 0)
        {
            return (null, "A top-up amount must be positive.");
        }

        if (Money.AmountProblem(amountMicros, "A top-up amount") is { } amountProblem)
        {
            return (null, amountProblem);
        }

        var now = time.GetUtcNow();
        string system = LedgerAccounts.System(LedgerAccounts.Topups, tenant.Currency);
        LedgerLine[] lines = [new(system, -amountMicros, LedgerEntryKind.TopUp), new(tenant.AccountId, amountMicros, LedgerEntryKind.TopUp)];
        if (LedgerSql.BalanceProblem(connection, transaction, lines) is { } rangeProblem)
        {
            return (null, rangeProblem);
        }

        EnsureSystemAccount(connection, transaction, system, tenant.Currency, now);
        return (LedgerSql.Post(connection, transaction, lines, reference, now), null);
    }

    /// <summary>An operator's correction, up or down, against <c>system:adjustments</c>; refused if it would make the balance negative.</summary>
    public (string? TransactionId, string? Problem) AdminAdjust(string account, long amountMicros, string reference)
    {
        if (amountMicros == 0)
        {
            return (null, "An adjustment must not be zero.");
        }

        if (Money.AmountProblem(amountMicros, "An adjustment") is { } amountProblem)
        {
            return (null, amountProblem);
        }

        var now = time.GetUtcNow();
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        if (LedgerSql.Account(connection, transaction, account) is not { } current)
        {
            return (null, $"No account '{account}'.");
        }

        if ((Int128)current.Balance + amountMicros < 0)
        {
            return (null, $"The adjustment would take '{account}' below zero (balance {Money.Format(current.Balance)}).");
        }

        string system = LedgerAccounts.System(LedgerAccounts.Adjustments, current.Currency);
        LedgerLine[] lines = [new(system, -amountMicros, LedgerEntryKind.Adjustment), new(account, amountMicros, LedgerEntryKind.Adjustment)];
        if (LedgerSql.BalanceProblem(connection, transaction, lines) is { } rangeProblem)
        {
            return (null, rangeProblem);
        }

        EnsureSystemAccount(connection, transaction, system, current.Currency, now);
        string id = LedgerSql.Post(connection, transaction, lines, reference, now);
        transaction.Commit();
        return (id, null);
    }

    /// <summary>
    /// Holds the amount for the request when the account's balance covers it and every budget has room; all in one
    /// IMMEDIATE transaction, so the balance read and the debit cannot be separated by another reservation.
    /// </summary>
    public ReserveResult Reserve(HoldRequest hold)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(hold.AmountMicros);
        var now = time.GetUtcNow();
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        using (var existing = connection.CreateCommand())
        {
            existing.Transaction = transaction;
            existing.CommandText = "SELECT COUNT(*) FROM reservations WHERE request_id = @r";
            existing.Parameters.AddWithValue("@r", hold.RequestId);
            if (StorageCommands.ToInt64(existing.ExecuteScalar()) > 0)
            {
                return new ReserveResult(ReserveStatus.AlreadyReserved);
            }
        }

        if (LedgerSql.Account(connection, transaction, hold.Account) is not { } account)
        {
            return new ReserveResult(ReserveStatus.NoAccount, $"No credit account '{hold.Account}'.");
        }

        if (account.Balance < hold.AmountMicros)
        {
            return new ReserveResult(ReserveStatus.InsufficientCredit,
                $"Insufficient credit: this request may cost up to {Money.Format(hold.AmountMicros)} {account.Currency} and the balance is {Money.Format(account.Balance)} {account.Currency}.");
        }

        if (budgets.Exceeded(connection, transaction, hold.TenantId, hold.KeyId, hold.AmountMicros) is { } budgetProblem)
        {
            return new ReserveResult(ReserveStatus.BudgetExceeded, budgetProblem);
        }

        string reserved = LedgerAccounts.System(LedgerAccounts.Reserved, account.Currency);
        EnsureSystemAccount(connection, transaction, reserved, account.Currency, now);
        string transactionId = LedgerSql.Post(connection, transaction,
            [new(hold.Account, -hold.AmountMicros, LedgerEntryKind.Reservation), new(reserved, hold.AmountMicros, LedgerEntryKind.Reservation)],
            hold.RequestId, now);

        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO reservations (request_id, transaction_id, account, tenant_id, key_id, model, price_version, amount_micros, state, created_at)
                VALUES (@r, @tx, @a, @t, @k, @m, @v, @amount, 'open', @now)
                """;
            insert.Parameters.AddWithValue("@r", hold.RequestId);
            insert.Parameters.AddWithValue("@tx", transactionId);
            insert.Parameters.AddWithValue("@a", hold.Account);
            insert.Parameters.AddWithValue("@t", hold.TenantId);
            insert.Parameters.AddWithValue("@k", (object?)hold.KeyId ?? DBNull.Value);
            insert.Parameters.AddWithValue("@m", hold.Model);
            insert.Parameters.AddWithValue("@v", hold.PriceVersion);
            insert.Parameters.AddWithValue("@amount", hold.AmountMicros);
            insert.Parameters.AddWithValue("@now", SqlTime.Format(now));
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return new ReserveResult(ReserveStatus.Reserved);
    }

    /// <summary>
    /// Moves an open reservation to another model and price version (a declared fallback model is about to serve) and
    /// raises its hold to <paramref name="amountMicros"/> when that is more, in one IMMEDIATE transaction: the extra is
    /// taken from the balance as a second reservation transaction under the same request id, refused (taking
    /// nothing) when the balance or a budget cannot cover it. A hold is never lowered here; settlement refunds the rest.
    /// </summary>
    public ReserveResult MoveReservation(string requestId, string model, long priceVersion, long amountMicros)
    {
        var now = time.GetUtcNow();
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        if (OpenHold(connection, transaction, requestId) is not { } open)
        {
            return new ReserveResult(ReserveStatus.NoAccount, $"Request {requestId} holds no open reservation.");
        }

        var (account, tenantId, keyId, _, held) = open;

        long extra = Math.Max(0, amountMicros - held);
        if (extra > 0)
        {
            var balance = LedgerSql.Account(connection, transaction, account)!.Value;
            if (balance.Balance < extra)
            {
                return new ReserveResult(ReserveStatus.InsufficientCredit,
                    $"Insufficient credit: the fallback model '{model}' may cost up to {Money.Format(held + extra)} {balance.Currency} for this request, "
                    + $"{Money.Format(extra)} more than held, and the balance is {Money.Format(balance.Balance)} {balance.Currency}.");
            }

            if (budgets.Exceeded(connection, transaction, tenantId, keyId, extra) is { } budgetProblem)
            {
                return new ReserveResult(ReserveStatus.BudgetExceeded, budgetProblem);
            }

            string reserved = LedgerAccounts.System(LedgerAccounts.Reserved, balance.Currency);
            EnsureSystemAccount(connection, transaction, reserved, balance.Currency, now);
            LedgerSql.Post(connection, transaction,
                [new(account, -extra, LedgerEntryKind.Reservation), new(reserved, extra, LedgerEntryKind.Reservation)], requestId, now);
        }

        using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE reservations SET model = @m, price_version = @v, amount_micros = @amount WHERE request_id = @r";
            update.Parameters.AddWithValue("@m", model);
            update.Parameters.AddWithValue("@v", priceVersion);
            update.Parameters.AddWithValue("@amount", held + extra);
            update.Parameters.AddWithValue("@r", requestId);
            update.ExecuteNonQuery();
        }

        transaction.Commit();
        return new ReserveResult(ReserveStatus.Reserved);
    }

    /// <summary>
    /// Settles a request's reservation with its actual cost, once: a second call with the same request id changes
    /// nothing and returns the first settlement. The hold is released; the cost goes to revenue; the rest of the hold
    /// is refunded. A cost above the hold is taken from the remaining balance only as far as it reaches; what is left
    /// is recorded as a shortfall, so settlement never takes a balance below zero.
    /// </summary>
    /// <returns>The settlement, or null when the request id has no reservation.</returns>
    public SettlementResult? Settle(string requestId, CostBreakdown cost, Warden.Core.Chat.Usage usage)
    {
        var now = time.GetUtcNow();
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        if (Find(connection, transaction, requestId) is { } done)
        {
            return done with { AlreadySettled = true };
        }

        if (OpenHold(connection, transaction, requestId) is not { } open)
        {
            return null;
        }

        var (account, tenantId, keyId, model, reservedMicros) = open;

        var balance = LedgerSql.Account(connection, transaction, account)!.Value;
        long charged = cost.TotalMicros <= reservedMicros
            ? cost.TotalMicros
            : reservedMicros + Math.Min(cost.TotalMicros - reservedMicros, balance.Balance);
        long shortfall = cost.TotalMicros - charged;
        long back = reservedMicros - charged;

        string reserved = LedgerAccounts.System(LedgerAccounts.Reserved, balance.Currency);
        string revenue = LedgerAccounts.System(LedgerAccounts.Revenue, balance.Currency);
        EnsureSystemAccount(connection, transaction, revenue, balance.Currency, now);
        string transactionId = LedgerSql.Post(connection, transaction,
        [
            new(reserved, -reservedMicros, LedgerEntryKind.Settlement),
            new(revenue, charged, LedgerEntryKind.Settlement),
            new(account, back, back >= 0 ? LedgerEntryKind.Refund : LedgerEntryKind.Settlement),
        ], requestId, now);

        using (var close = connection.CreateCommand())
        {
            close.Transaction = transaction;
            close.CommandText = "UPDATE reservations SET state = 'settled' WHERE request_id = @r";
            close.Parameters.AddWithValue("@r", requestId);
            close.ExecuteNonQuery();
        }

        var result = new SettlementResult(requestId, cost.PriceVersion, balance.Currency, reservedMicros, cost.TotalMicros, charged, shortfall,
            cost.UsageSource, cost.Note, AlreadySettled: false);
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO settlements (request_id, transaction_id, tenant_id, key_id, account, model, price_version, currency, reserved_micros,
                    cost_micros, charged_micros, shortfall_micros, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
                    reasoning_tokens, usage_source, usage_note, created_at)
                VALUES (@r, @tx, @t, @k, @a, @m, @v, @c, @reserved, @cost, @charged, @short, @in, @out, @cr, @cw, @re, @src, @note, @now)
                """;
            var p = insert.Parameters;
            p.AddWithValue("@r", requestId);
            p.AddWithValue("@tx", transactionId);
            p.AddWithValue("@t", tenantId);
            p.AddWithValue("@k", (object?)keyId ?? DBNull.Value);
            p.AddWithValue("@a", account);
            p.AddWithValue("@m", model);
            p.AddWithValue("@v", cost.PriceVersion);
            p.AddWithValue("@c", balance.Currency);
            p.AddWithValue("@reserved", reservedMicros);
            p.AddWithValue("@cost", cost.TotalMicros);
            p.AddWithValue("@charged", charged);
            p.AddWithValue("@short", shortfall);
            p.AddWithValue("@in", (object?)usage.InputTokens ?? DBNull.Value);
            p.AddWithValue("@out", (object?)usage.OutputTokens ?? DBNull.Value);
            p.AddWithValue("@cr", (object?)usage.CacheReadTokens ?? DBNull.Value);
            p.AddWithValue("@cw", (object?)usage.CacheWriteTokens ?? DBNull.Value);
            p.AddWithValue("@re", (object?)usage.ReasoningTokens ?? DBNull.Value);
            p.AddWithValue("@src", cost.UsageSource);
            p.AddWithValue("@note", cost.Note);
            p.AddWithValue("@now", SqlTime.Format(now));
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return result;
    }

    /// <summary>
    /// Releases holds whose request never settled (the server stopped mid-request): each is settled at zero cost,
    /// recorded as not reported with a note, so the credit returns and the ledger stays balanced. Idempotent.
    /// </summary>
    /// <returns>How many holds were released.</returns>
    public int ReleaseStale(DateTimeOffset createdBefore)
    {
        var stale = new List<(string RequestId, long Version)>();
        using (var connection = database.Open())
        using (var query = connection.CreateCommand())
        {
            query.CommandText = "SELECT request_id, price_version FROM reservations WHERE state = 'open' AND created_at < @before ORDER BY created_at";
            query.Parameters.AddWithValue("@before", SqlTime.Format(createdBefore));
            using var reader = query.ExecuteReader();
            while (reader.Read())
            {
                stale.Add((reader.GetString(0), reader.GetInt64(1)));
            }
        }

        int released = 0;
        foreach (var (requestId, version) in stale)
        {
            var zero = new CostBreakdown(version, "", 0, 0, 0, 0, 0, 1_000_000, 0, "not_reported",
                "expired: the request never settled (server stopped mid-request?); hold released unbilled");
            if (Settle(requestId, zero, Warden.Core.Chat.Usage.NotReported) is { AlreadySettled: false })
            {
                released++;
            }
        }

        return released;
    }

    /// <summary>
    /// Creates a system account if missing. Once the account was found already there (committed, since it was not
    /// created by this transaction), later calls skip the statement; a creation is not remembered, because its
    /// transaction may still roll back.
    /// </summary>
    private void EnsureSystemAccount(DbConnection connection, DbTransaction transaction, string id, string currency, DateTimeOffset now)
    {
        if (_systemAccounts.ContainsKey(id))
        {
            return;
        }

        if (!LedgerSql.EnsureAccount(connection, transaction, id, "system", null, null, currency, now))
        {
            _systemAccounts.TryAdd(id, true);
        }
    }

    /// <summary>The settlement recorded for a request, if any.</summary>
    public SettlementResult? FindSettlement(string requestId)
    {
        using var connection = database.Open();
        return Find(connection, null, requestId);
    }

    private static SettlementResult? Find(DbConnection connection, DbTransaction? transaction, string requestId)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            SELECT price_version, currency, reserved_micros, cost_micros, charged_micros, shortfall_micros, usage_source, usage_note
            FROM settlements WHERE request_id = @r
            """;
        command.Parameters.AddWithValue("@r", requestId);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new SettlementResult(requestId, reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4),
                reader.GetInt64(5), reader.GetString(6), reader.GetString(7), AlreadySettled: false)
            : null;
    }

    /// <summary>The open reservation of <paramref name="requestId"/> as the transaction sees it, or null when it has none.</summary>
    private static (string Account, string TenantId, string? KeyId, string Model, long AmountMicros)? OpenHold(
        DbConnection connection, DbTransaction transaction, string requestId)
    {
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT account, tenant_id, key_id, model, amount_micros FROM reservations WHERE request_id = @r AND state = 'open'";
        read.Parameters.AddWithValue("@r", requestId);
        using var reader = read.ExecuteReader();
        return reader.Read()
            ? (reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), reader.GetInt64(4))
            : null;
    }
}
