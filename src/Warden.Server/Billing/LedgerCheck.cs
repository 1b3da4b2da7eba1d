using System.Data.Common;
using Warden.Server.Storage;

namespace Warden.Server.Billing;

/// <summary>
/// Proves the ledger consistent from its entries alone: every transaction sums to zero and stays in one currency;
/// every account's balance equals the sum of its entries and no customer account is below zero; every reservation's
/// entries match its amount (and its hold is released exactly when it is settled); every settlement's entries match
/// what it recorded; the reserved accounts hold exactly the open reservations. Read-only; returns the problems.
/// </summary>
internal sealed class LedgerCheck(WardenDatabase database)
{
    public IReadOnlyList<string> Run()
    {
        using var connection = database.Open();
        // One read transaction: a consistent snapshot even while the server keeps writing (WAL).
        using var transaction = connection.BeginRead();
        var problems = new List<string>();

        // First every stored amount on its own: a REAL (what SQLite makes of an integer overflow) or a value past the
        // documented maximum is a problem to report, not a reason for the sums below to fail.
        foreach (var (table, key, column, limit) in AmountColumns)
        {
            Rows(connection, transaction, problems, $"""
                SELECT {key}, typeof({column}), CAST({column} AS TEXT) FROM {table}
                WHERE typeof({column}) <> 'integer' OR {column} > {limit} OR {column} < -{limit}
                """, r => problems.Add(r.GetString(1) == "integer"
                    ? $"{table} {r.GetValue(0)}: {column} = {r.GetString(2)} is outside the allowed range (±{limit})."
                    : $"{table} {r.GetValue(0)}: {column} holds a {r.GetString(1)} ({r.GetString(2)}), not an integer number of micros."));
        }

        Rows(connection, transaction, problems, """
            SELECT transaction_id, CAST(SUM(amount_micros) AS BIGINT) FROM ledger_entries GROUP BY transaction_id HAVING CAST(SUM(amount_micros) AS BIGINT) <> 0
            """, r => problems.Add($"Transaction {r.GetString(0)} does not balance: its entries sum to {r.GetInt64(1)} micros."));

        Rows(connection, transaction, problems, """
            SELECT e.transaction_id FROM ledger_entries e JOIN accounts a ON a.id = e.account
            GROUP BY e.transaction_id HAVING COUNT(DISTINCT a.currency) > 1
            """, r => problems.Add($"Transaction {r.GetString(0)} mixes currencies."));

        Rows(connection, transaction, problems, """
            SELECT a.id, a.kind, a.balance_micros, COALESCE(CAST(SUM(e.amount_micros) AS BIGINT), 0)
            FROM accounts a LEFT JOIN ledger_entries e ON e.account = a.id
            GROUP BY a.id
            """, r =>
            {
                long stored = r.GetInt64(2), computed = r.GetInt64(3);
                if (stored != computed)
                {
                    problems.Add($"Account {r.GetString(0)}: stored balance {stored} micros, entries sum to {computed}.");
                }

                if (r.GetString(1) != "system" && computed < 0)
                {
                    problems.Add($"Account {r.GetString(0)} is below zero ({computed} micros).");
                }
            });

        Rows(connection, transaction, problems, """
            SELECT r.request_id, r.amount_micros, r.state, r.account,
                   (SELECT COALESCE(CAST(SUM(amount_micros) AS BIGINT), 0) FROM ledger_entries
                    WHERE reference = r.request_id AND kind = 'reservation' AND account = r.account),
                   (SELECT COALESCE(CAST(SUM(e.amount_micros) AS BIGINT), 0) FROM ledger_entries e WHERE e.reference = r.request_id AND e.account LIKE 'system:reserved:%'),
                   (SELECT COUNT(*) FROM settlements s WHERE s.request_id = r.request_id)
            FROM reservations r
            """, r =>
            {
                string request = r.GetString(0);
                long amount = r.GetInt64(1);
                bool settled = r.GetString(2) == "settled";
                if (r.GetInt64(4) != -amount)
                {
                    problems.Add($"Reservation {request}: amount {amount} micros but its entries take {-r.GetInt64(4)} from {r.GetString(3)}.");
                }

                long held = r.GetInt64(5);
                if (held != (settled ? 0 : amount))
                {
                    problems.Add($"Reservation {request} ({r.GetString(2)}): {held} micros still held, expected {(settled ? 0 : amount)}.");
                }

                if (settled != (r.GetInt64(6) == 1))
                {
                    problems.Add($"Reservation {request} is {r.GetString(2)} but has {r.GetInt64(6)} settlement rows.");
                }
            });

        Rows(connection, transaction, problems, """
            SELECT s.request_id, s.reserved_micros, s.charged_micros, s.cost_micros, s.shortfall_micros,
                   (SELECT COALESCE(CAST(SUM(amount_micros) AS BIGINT), 0) FROM ledger_entries WHERE transaction_id = s.transaction_id AND account LIKE 'system:revenue:%'),
                   (SELECT COALESCE(CAST(SUM(amount_micros) AS BIGINT), 0) FROM ledger_entries WHERE transaction_id = s.transaction_id AND account LIKE 'system:reserved:%'),
                   (SELECT COALESCE(CAST(SUM(amount_micros) AS BIGINT), 0) FROM ledger_entries WHERE transaction_id = s.transaction_id AND account = s.account),
                   (SELECT COUNT(*) FROM ledger_entries WHERE transaction_id = s.transaction_id)
            FROM settlements s
            """, r =>
            {
                string request = r.GetString(0);
                long reserved = r.GetInt64(1), charged = r.GetInt64(2), cost = r.GetInt64(3), shortfall = r.GetInt64(4);
                if (r.GetInt64(8) == 0)
                {
                    problems.Add($"Settlement {request} has no ledger entries.");
                    return;
                }

                if (cost - charged != shortfall || shortfall < 0)
                {
                    problems.Add($"Settlement {request}: cost {cost} − charged {charged} ≠ shortfall {shortfall}.");
                }

                if (r.GetInt64(5) != charged)
                {
                    problems.Add($"Settlement {request}: charged {charged} micros but revenue entries sum to {r.GetInt64(5)}.");
                }

                if (r.GetInt64(6) != -reserved)
                {
                    problems.Add($"Settlement {request}: released {-r.GetInt64(6)} micros of a {reserved} hold.");
                }

                if (r.GetInt64(7) != reserved - charged)
                {
                    problems.Add($"Settlement {request}: the account moved {r.GetInt64(7)} micros, expected {reserved - charged}.");
                }
            });

        Rows(connection, transaction, problems, """
            SELECT a.id, a.balance_micros,
                   (SELECT COALESCE(CAST(SUM(r.amount_micros) AS BIGINT), 0) FROM reservations r JOIN accounts c ON c.id = r.account
                    WHERE r.state = 'open' AND 'system:reserved:' || c.currency = a.id)
            FROM accounts a WHERE a.id LIKE 'system:reserved:%'
            """, r =>
            {
                if (r.GetInt64(1) != r.GetInt64(2))
                {
                    problems.Add($"Account {r.GetString(0)} holds {r.GetInt64(1)} micros but open reservations total {r.GetInt64(2)}.");
                }
            });

        Rows(connection, transaction, problems, """
            SELECT e.id, e.transaction_id FROM ledger_entries e
            WHERE e.kind IN ('reservation', 'settlement', 'refund')
              AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.transaction_id = e.transaction_id)
              AND NOT (e.kind = 'reservation' AND EXISTS (SELECT 1 FROM reservations r WHERE r.request_id = e.reference))
              AND NOT EXISTS (SELECT 1 FROM settlements s WHERE s.transaction_id = e.transaction_id)
            """, r => problems.Add($"Entry {r.GetInt64(0)} (transaction {r.GetString(1)}) belongs to no reservation or settlement."));

        Rows(connection, transaction, problems, """
            SELECT c.id, c.amount_micros,
                   (SELECT COALESCE(CAST(SUM(e.amount_micros) AS BIGINT), 0) FROM ledger_entries e WHERE e.reference = c.id AND e.kind = 'redemption' AND e.account NOT LIKE 'system:%')
            FROM redemption_codes c
            """, r =>
            {
                // Redeemed codes are checked in RedemptionCodes' own invariant: credited exactly once, by the amount.
                long credited = r.GetInt64(2);
                if (credited != 0 && credited != r.GetInt64(1))
                {
                    problems.Add($"Redemption code {r.GetString(0)}: worth {r.GetInt64(1)} micros but credited {credited}.");
                }
            });

        Rows(connection, transaction, problems, """
            SELECT c.id, CASE WHEN c.redeemed_at IS NOT NULL THEN 1 ELSE 0 END,
                   (SELECT COUNT(*) FROM ledger_entries e WHERE e.reference = c.id AND e.kind = 'redemption' AND e.account NOT LIKE 'system:%')
            FROM redemption_codes c
            """, r =>
            {
                long expected = r.GetInt64(1);
                if (r.GetInt64(2) != expected)
                {
                    problems.Add($"Redemption code {r.GetString(0)}: {(expected == 1 ? "redeemed" : "not redeemed")} but has {r.GetInt64(2)} credit entries.");
                }
            });

        return problems;
    }

    // (table, row key, money column, largest magnitude allowed): what the range scan above reads.
    private static readonly (string Table, string Key, string Column, long Limit)[] AmountColumns =
    [
        ("ledger_entries", "id", "amount_micros", Money.MaxBalanceMicros),
        ("accounts", "id", "balance_micros", Money.MaxBalanceMicros),
        ("reservations", "request_id", "amount_micros", Money.MaxBalanceMicros),
        ("settlements", "request_id", "reserved_micros", Money.MaxBalanceMicros),
        ("settlements", "request_id", "cost_micros", long.MaxValue),
        ("settlements", "request_id", "charged_micros", Money.MaxBalanceMicros),
        ("settlements", "request_id", "shortfall_micros", long.MaxValue),
        ("redemption_codes", "id", "amount_micros", Money.MaxAmountMicros),
        ("budgets", "scope || '/' || subject_id || '/' || period", "limit_micros", Money.MaxAmountMicros),
        ("tenants", "id", "multiplier_ppm", Money.MaxMultiplierPpm),
    ];

    /// <summary>
    /// Runs one check. A database an operator edited by hand can hold values the sums cannot take (SQLite's SUM stops
    /// with "integer overflow"): the check then reports that it could not run, and the others still run.
    /// </summary>
    private static void Rows(DbConnection connection, DbTransaction transaction, List<string> problems, string sql, Action<DbDataReader> each)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                each(reader);
            }
        }
        catch (Exception ex) when (ex is DbException or OverflowException or InvalidCastException or FormatException)
        {
            string what = sql.Split('\n', StringSplitOptions.TrimEntries)[0];
            problems.Add($"A check could not run ({ex.GetType().Name}: {ex.Message.Split('\n')[0]}) on \"{what}\": the values it sums are out of range.");
        }
    }
}
