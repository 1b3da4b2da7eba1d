using System.Security.Cryptography;
using Warden.Server.Keys;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Billing;

/// <summary>
/// Prepaid redemption codes: <c>wdn_code_</c> + 128 random bits. Only HMAC-SHA256 under the server pepper is stored
/// (the same keyed hash as client keys), so the database never holds a usable code; the plaintext is returned once,
/// at creation. A code is redeemed at most once: the claim and the credit are one IMMEDIATE transaction.
/// </summary>
internal sealed class RedemptionCodes(WardenDatabase database, KeyHasher hasher, TimeProvider time)
{
    public const string Prefix = "wdn_code_";
    public const int MaxBatch = 10_000;

    /// <summary>Creates a batch of codes worth <paramref name="amountMicros"/> each; returns the batch id and the plaintext codes (shown once).</summary>
    public (string? BatchId, IReadOnlyList<string> Codes, string? Problem) CreateBatch(int count, long amountMicros, string currency)
    {
        if (count is < 1 or > MaxBatch)
        {
            return (null, [], $"The count must be between 1 and {MaxBatch}.");
        }

        if (amountMicros <= 0)
        {
            return (null, [], "A code's amount must be positive.");
        }

        if (Money.AmountProblem(amountMicros, "A code's amount") is { } amountProblem)
        {
            return (null, [], amountProblem);
        }

        if (Currencies.Problem(currency) is { } problem)
        {
            return (null, [], problem);
        }

        var now = time.GetUtcNow();
        string batch = Guid.CreateVersion7(now).ToString();
        var codes = new List<string>(count);
        database.ChangeConfiguration((connection, transaction) =>
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO redemption_codes (id, batch_id, code_hash, amount_micros, currency, created_at)
                VALUES (@id, @batch, @hash, @amount, @currency, @t)
                """;
            var id = insert.Parameters.Add("@id", System.Data.DbType.String);
            var hash = insert.Parameters.Add("@hash", System.Data.DbType.Binary);
            insert.Parameters.AddWithValue("@batch", batch);
            insert.Parameters.AddWithValue("@amount", amountMicros);
            insert.Parameters.AddWithValue("@currency", Currencies.Normalise(currency));
            insert.Parameters.AddWithValue("@t", SqlTime.Format(now));
            for (int i = 0; i < count; i++)
            {
                string code = NewCode();
                id.Value = Guid.CreateVersion7(now).ToString();
                hash.Value = hasher.Hash(code);
                insert.ExecuteNonQuery();
                codes.Add(code);
            }

            // The codes are secrets: the log names the batch and how many, never a code or its hash.
            return (0, new ConfigEvent("codes.create", batch + "/" + count, database.CurrentActor));
        });
        return (batch, codes, null);
    }

    /// <summary>Redeems a code into a tenant's account, atomically and once. Every failure has the same vague message for the caller.</summary>
    public RedemptionResult Redeem(string code, Tenant tenant)
    {
        if (!code.StartsWith(Prefix, StringComparison.Ordinal) || code.Length > 64)
        {
            return RedemptionResult.Invalid;
        }

        byte[] presented = hasher.Hash(code);
        var now = time.GetUtcNow();
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        string codeId;
        long amount;
        string currency;
        using (var find = connection.CreateCommand())
        {
            find.Transaction = transaction;
            find.CommandText = "SELECT id, code_hash, amount_micros, currency, redeemed_at FROM redemption_codes WHERE code_hash = @h";
            find.Parameters.AddWithValue("@h", presented);
            using var reader = find.ExecuteReader();
            if (!reader.Read() || !CryptographicOperations.FixedTimeEquals((byte[])reader.GetValue(1), presented))
            {
                return RedemptionResult.Invalid;
            }

            if (!reader.IsDBNull(4))
            {
                return RedemptionResult.AlreadyRedeemed;
            }

            codeId = reader.GetString(0);
            amount = reader.GetInt64(2);
            currency = reader.GetString(3);
        }

        if (!string.Equals(currency, tenant.Currency, StringComparison.Ordinal))
        {
            return new RedemptionResult(false, $"This code is in {currency}; the tenant's account is in {tenant.Currency}.", 0, null);
        }

        using (var claim = connection.CreateCommand())
        {
            claim.Transaction = transaction;
            claim.CommandText = "UPDATE redemption_codes SET redeemed_by = @t, redeemed_at = @now WHERE id = @id AND redeemed_at IS NULL";
            claim.Parameters.AddWithValue("@t", tenant.Id);
            claim.Parameters.AddWithValue("@now", SqlTime.Format(now));
            claim.Parameters.AddWithValue("@id", codeId);
            if (claim.ExecuteNonQuery() != 1)
            {
                return RedemptionResult.AlreadyRedeemed;
            }
        }

        string system = LedgerAccounts.System(LedgerAccounts.Redemptions, currency);
        LedgerLine[] lines = [new(system, -amount, LedgerEntryKind.Redemption), new(tenant.AccountId, amount, LedgerEntryKind.Redemption)];
        // A code stored before amounts had a maximum (or edited in the database) cannot credit past the range: the
        // transaction is rolled back, so the code stays unredeemed.
        if ((Money.AmountProblem(amount, "This code's amount") ?? LedgerSql.BalanceProblem(connection, transaction, lines)) is { } rangeProblem)
        {
            return new RedemptionResult(false, rangeProblem, 0, null);
        }

        LedgerSql.EnsureAccount(connection, transaction, system, "system", null, null, currency, now);
        LedgerSql.Post(connection, transaction, lines, codeId, now);
        transaction.Commit();
        return new RedemptionResult(true, null, amount, codeId);
    }

    private static string NewCode() =>
        Prefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
