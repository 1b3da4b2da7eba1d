using System.Data.Common;
using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>
/// The low-level writes every ledger movement shares, always inside the caller's transaction: creating an account,
/// posting a balanced set of entries (and moving the cached balances with them), reading a balance.
/// </summary>
internal static class LedgerSql
{
    /// <summary>Creates the account if it is missing (system accounts appear on first use).</summary>
    /// <returns>Whether this call created it.</returns>
    public static bool EnsureAccount(DbConnection connection, DbTransaction transaction, string id, string kind, string? tenantId, string? keyId, string currency, DateTimeOffset now)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO accounts (id, kind, tenant_id, key_id, currency, balance_micros, created_at)
            VALUES (@id, @kind, @tenant, @key, @currency, 0, @t) ON CONFLICT (id) DO NOTHING
            """;
        command.Parameters.AddWithValue("@id", id);
        command.Parameters.AddWithValue("@kind", kind);
        command.Parameters.AddWithValue("@tenant", (object?)tenantId ?? DBNull.Value);
        command.Parameters.AddWithValue("@key", (object?)keyId ?? DBNull.Value);
        command.Parameters.AddWithValue("@currency", currency);
        command.Parameters.AddWithValue("@t", SqlTime.Format(now));
        return command.ExecuteNonQuery() > 0;
    }

    /// <summary>The cached balance of an account and its currency, or null when it does not exist.</summary>
    public static (long Balance, string Currency)? Account(DbConnection connection, DbTransaction? transaction, string id)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT balance_micros, currency FROM accounts WHERE id = @id";
        command.Parameters.AddWithValue("@id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? (reader.GetInt64(0), reader.GetString(1)) : null;
    }

    /// <summary>
    /// A clear problem when posting <paramref name="lines"/> would take an existing account past
    /// ±<see cref="Money.MaxBalanceMicros"/>, else null. Top-ups, adjustments and redemptions ask before they write, so
    /// balances stay where their sums cannot overflow; a balance already out of range (a raw edit) is refused too.
    /// </summary>
    public static string? BalanceProblem(DbConnection connection, DbTransaction transaction, IReadOnlyList<LedgerLine> lines)
    {
        foreach (var line in lines)
        {
            if (Account(connection, transaction, line.Account) is not { } account)
            {
                continue;
            }

            Int128 next = (Int128)account.Balance + line.AmountMicros;
            if (next > Money.MaxBalanceMicros || next < -Money.MaxBalanceMicros)
            {
                return $"This would take the balance of '{line.Account}' ({Money.Format(account.Balance)}) past ±{Money.Format(Money.MaxBalanceMicros)}, "
                    + "the largest balance a ledger account may hold.";
            }
        }

        return null;
    }

    /// <summary>
    /// Posts one ledger transaction. The amounts must sum to zero (checked here, before anything is written); each
    /// account's cached balance moves by its amount, and the accounts table refuses a customer balance below zero.
    /// </summary>
    /// <returns>The new transaction id.</returns>
    public static string Post(DbConnection connection, DbTransaction transaction, IReadOnlyList<LedgerLine> lines, string reference, DateTimeOffset now)
    {
        long sum = 0;
        foreach (var line in lines)
        {
            sum = checked(sum + line.AmountMicros);
        }

        if (sum != 0)
        {
            throw new InvalidOperationException($"A ledger transaction must sum to zero; this one sums to {sum}.");
        }

        string transactionId = Guid.CreateVersion7(now).ToString();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO ledger_entries (transaction_id, account, amount_micros, kind, reference, created_at)
            VALUES (@tx, @account, @amount, @kind, @reference, @t)
            """;
        var account = insert.Parameters.Add("@account", System.Data.DbType.String);
        var amount = insert.Parameters.Add("@amount", System.Data.DbType.Int64);
        var kind = insert.Parameters.Add("@kind", System.Data.DbType.String);
        insert.Parameters.AddWithValue("@tx", transactionId);
        insert.Parameters.AddWithValue("@reference", reference);
        insert.Parameters.AddWithValue("@t", SqlTime.Format(now));

        using var move = connection.CreateCommand();
        move.Transaction = transaction;
        // The range condition is the backstop of BalanceProblem: SQLite turns an integer overflow into a REAL (which
        // is how two top-ups of 2^63-1 once stored 1.8e19), so no update may leave the documented range.
        move.CommandText = "UPDATE accounts SET balance_micros = balance_micros + @amount WHERE id = @account AND balance_micros + @amount BETWEEN @min AND @max";
        move.Parameters.AddWithValue("@min", -Money.MaxBalanceMicros);
        move.Parameters.AddWithValue("@max", Money.MaxBalanceMicros);
        var moveAccount = move.Parameters.Add("@account", System.Data.DbType.String);
        var moveAmount = move.Parameters.Add("@amount", System.Data.DbType.Int64);

        foreach (var line in lines)
        {
            if (line.AmountMicros == 0)
            {
                continue;
            }

            account.Value = line.Account;
            amount.Value = line.AmountMicros;
            kind.Value = line.Kind;
            insert.ExecuteNonQuery();
            moveAccount.Value = line.Account;
            moveAmount.Value = line.AmountMicros;
            if (move.ExecuteNonQuery() != 1)
            {
                throw new InvalidOperationException($"Ledger account '{line.Account}' does not exist or would leave the range of a balance.");
            }
        }

        return transactionId;
    }
}
