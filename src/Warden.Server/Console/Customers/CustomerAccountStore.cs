using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using OtpNet;
using Warden.Server.Secrets;
using Warden.Server.Storage;

namespace Warden.Server.Console.Customers;

/// <summary>
/// Customer accounts, their invitations, TOTP secrets and recovery codes (migration 0015). Secrets are kept as hashes
/// (Argon2id for passwords, SHA-256 for 256-bit invitation tokens and recovery codes) or encrypted under the master key
/// (the TOTP secret, which must be read back to check a code). Expected refusals are values: the key of a console string.
/// </summary>
internal sealed class CustomerAccountStore(WardenDatabase database, MasterKeyRing ring, TimeProvider time)
{
    public static readonly TimeSpan InvitationLifetime = TimeSpan.FromDays(7);

    public const int MaxNameLength = 64;
    public const int RecoveryCodeCount = 10;

    private const string TotpPurpose = "customer-totp";

    /// <summary>A new invitation to <paramref name="tenantId"/>; the token is returned once and stored only as a hash.</summary>
    public CustomerInvitation Invite(string tenantId, string createdBy)
    {
        var now = time.GetUtcNow();
        string token = Base64Url(RandomNumberGenerator.GetBytes(32));
        var invitation = new CustomerInvitation(Guid.CreateVersion7(now).ToString(), tenantId, token, now + InvitationLifetime);
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO customer_invitations (id, token_hash, tenant_id, created_by, created_at, expires_at)
            VALUES (@id, @hash, @tenant, @by, @at, @expires)
            """;
        command.Parameters.AddWithValue("@id", invitation.Id);
        command.Parameters.AddWithValue("@hash", Sha256(token));
        command.Parameters.AddWithValue("@tenant", tenantId);
        command.Parameters.AddWithValue("@by", createdBy);
        command.Parameters.AddWithValue("@at", SqlTime.Format(now));
        command.Parameters.AddWithValue("@expires", SqlTime.Format(invitation.ExpiresAt));
        command.ExecuteNonQuery();
        return invitation;
    }

    /// <summary>The tenant id of an invitation that can still be accepted, or null (unknown, used or expired).</summary>
    public string? OpenInvitationTenant(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return null;
        }

        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT tenant_id FROM customer_invitations WHERE token_hash = @hash AND accepted_at IS NULL AND expires_at > @now";
        command.Parameters.AddWithValue("@hash", Sha256(token));
        command.Parameters.AddWithValue("@now", SqlTime.Format(time.GetUtcNow()));
        return command.ExecuteScalar() as string;
    }

    /// <summary>Accepts an invitation: creates the account and spends the invitation in one transaction.</summary>
    /// <returns>The account, or the console string key of the refusal.</returns>
    public (CustomerAccount? Account, string? Problem) Accept(string? token, string? name, string? password)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
        {
            return (null, "My.Invitation.NameProblem");
        }

        if (password is null || password.Length < PasswordHash.MinPasswordLength || password.Length > PasswordHash.MaxPasswordLength)
        {
            return (null, "My.Invitation.PasswordProblem");
        }

        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return (null, "My.Invitation.Invalid");
        }

        // Hashed before the transaction: Argon2id takes a while and must not hold the database's write lock.
        string phc = PasswordHash.Hash(password);
        var now = time.GetUtcNow();
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        string? tenantId;
        string? invitationId;
        using (var find = Command(connection, transaction, "SELECT id, tenant_id FROM customer_invitations WHERE token_hash = @hash AND accepted_at IS NULL AND expires_at > @now"))
        {
            find.Parameters.AddWithValue("@hash", Sha256(token));
            find.Parameters.AddWithValue("@now", SqlTime.Format(now));
            using var reader = find.ExecuteReader();
            (invitationId, tenantId) = reader.Read() ? (reader.GetString(0), reader.GetString(1)) : (null, null);
        }

        if (invitationId is null || tenantId is null)
        {
            return (null, "My.Invitation.Invalid");
        }

        using (var taken = Command(connection, transaction, "SELECT COUNT(*) FROM customer_accounts WHERE name = @name"))
        {
            taken.Parameters.AddWithValue("@name", name);
            if ((long)taken.ExecuteScalar()! > 0)
            {
                return (null, "My.Invitation.NameTaken");
            }
        }

        var account = new CustomerAccount(Guid.CreateVersion7(now).ToString(), tenantId, name, false, SqlTime.Parse(SqlTime.Format(now)), null);
        using (var insert = Command(connection, transaction, "INSERT INTO customer_accounts (id, tenant_id, name, password_hash, created_at) VALUES (@id, @tenant, @name, @hash, @at)"))
        {
            insert.Parameters.AddWithValue("@id", account.Id);
            insert.Parameters.AddWithValue("@tenant", tenantId);
            insert.Parameters.AddWithValue("@name", name);
            insert.Parameters.AddWithValue("@hash", phc);
            insert.Parameters.AddWithValue("@at", SqlTime.Format(now));
            insert.ExecuteNonQuery();
        }

        using (var spend = Command(connection, transaction, "UPDATE customer_invitations SET accepted_at = @at, account_id = @account WHERE id = @id AND accepted_at IS NULL"))
        {
            spend.Parameters.AddWithValue("@at", SqlTime.Format(now));
            spend.Parameters.AddWithValue("@account", account.Id);
            spend.Parameters.AddWithValue("@id", invitationId);
            if (spend.ExecuteNonQuery() != 1)
            {
                return (null, "My.Invitation.Invalid");
            }
        }

        transaction.Commit();
        return (account, null);
    }

    /// <summary>
    /// Checks a sign-in: the password, then (when enrolled) a TOTP code not used before or an unused recovery code.
    /// A wrong password and an unknown name cost the same Argon2id work, so timing does not tell which names exist.
    /// </summary>
    public SignInResult SignIn(string? name, string? password, string? code)
    {
        var row = FindRow(name?.Trim() ?? "");
        if (password is null || password.Length > PasswordHash.MaxPasswordLength)
        {
            return SignInResult.Wrong;
        }

        if (!PasswordHash.Verify(password, row?.PasswordHash ?? DummyHash.Value) || row is null)
        {
            return SignInResult.Wrong;
        }

        if (!row.Account.Active)
        {
            return SignInResult.Wrong;
        }

        if (row.Account.TotpEnabled)
        {
            if (string.IsNullOrWhiteSpace(code))
            {
                return SignInResult.CodeNeeded;
            }

            if (!UseTotp(row, code.Trim()) && !UseRecoveryCode(row.Account.Id, code.Trim()))
            {
                return SignInResult.Wrong;
            }
        }

        if (PasswordHash.NeedsRehash(row.PasswordHash))
        {
            Execute("UPDATE customer_accounts SET password_hash = @h WHERE id = @id", ("@h", PasswordHash.Hash(password)), ("@id", row.Account.Id));
        }

        return new SignInResult(SignInOutcome.SignedIn, row.Account);
    }

    public CustomerAccount? Find(string id)
    {
        using var connection = database.Open();
        using var command = Command(connection, null, $"{SelectAccount} WHERE id = @id");
        command.Parameters.AddWithValue("@id", id);
        return ReadAccounts(command).FirstOrDefault();
    }

    /// <summary>Every account, or a tenant's, oldest first.</summary>
    public List<CustomerAccount> List(string? tenantId = null)
    {
        using var connection = database.Open();
        using var command = Command(connection, null, tenantId is null ? $"{SelectAccount} ORDER BY created_at, id" : $"{SelectAccount} WHERE tenant_id = @t ORDER BY created_at, id");
        command.Parameters.AddWithValue("@t", (object?)tenantId ?? DBNull.Value);
        return ReadAccounts(command);
    }

    /// <summary>Disables an account; the sessions check it on every request, so its sessions end with it.</summary>
    public bool Disable(string id) =>
        Execute("UPDATE customer_accounts SET disabled_at = @at WHERE id = @id AND disabled_at IS NULL", ("@at", SqlTime.Format(time.GetUtcNow())), ("@id", id)) > 0;

    /// <summary>
    /// Starts TOTP enrolment: a new random 160-bit secret (RFC 4226's recommended length), stored encrypted and not yet
    /// required; returns it as base32 for the authenticator app. Refused (null) once TOTP is on.
    /// </summary>
    public string? BeginTotp(string accountId)
    {
        byte[] secret = KeyGeneration.GenerateRandomKey(20);
        var sealedSecret = ring.Encrypt(secret, TotpPurpose + ":" + accountId);
        int changed = Execute(
            "UPDATE customer_accounts SET totp_secret = @s, totp_last_step = 0 WHERE id = @id AND totp_enabled = 0",
            ("@s", sealedSecret.KeyId + ":" + Convert.ToBase64String(sealedSecret.Ciphertext)), ("@id", accountId));
        return changed == 1 ? Base32Encoding.ToString(secret) : null;
    }

    /// <summary>
    /// Confirms enrolment with a code from the app; on success TOTP is required from now on and the recovery codes
    /// (shown once, stored hashed) are returned. Null when the code is wrong or no enrolment was started.
    /// </summary>
    public IReadOnlyList<string>? ConfirmTotp(string accountId, string? code)
    {
        var row = FindRowById(accountId);
        if (row is null || row.Account.TotpEnabled || row.TotpSecret is null || string.IsNullOrWhiteSpace(code) || !UseTotp(row, code.Trim()))
        {
            return null;
        }

        var codes = Enumerable.Range(0, RecoveryCodeCount).Select(_ => RecoveryCode()).ToList();
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        using (var clear = Command(connection, transaction, "DELETE FROM customer_recovery_codes WHERE account_id = @id"))
        {
            clear.Parameters.AddWithValue("@id", accountId);
            clear.ExecuteNonQuery();
        }

        foreach (string recovery in codes)
        {
            using var insert = Command(connection, transaction, "INSERT INTO customer_recovery_codes (account_id, code_hash) VALUES (@id, @h)");
            insert.Parameters.AddWithValue("@id", accountId);
            insert.Parameters.AddWithValue("@h", Sha256(NormaliseRecovery(recovery)));
            insert.ExecuteNonQuery();
        }

        using (var enable = Command(connection, transaction, "UPDATE customer_accounts SET totp_enabled = 1 WHERE id = @id"))
        {
            enable.Parameters.AddWithValue("@id", accountId);
            enable.ExecuteNonQuery();
        }

        transaction.Commit();
        return codes;
    }

    /// <summary>The models a tenant's customers may give their keys; null means every model.</summary>
    public IReadOnlyList<string>? KeyModels(string tenantId)
    {
        using var connection = database.Open();
        using var command = Command(connection, null, "SELECT models FROM customer_key_limits WHERE tenant_id = @t");
        command.Parameters.AddWithValue("@t", tenantId);
        return command.ExecuteScalar() is string models ? models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
    }

    /// <summary>Sets which models a tenant's customers may give their keys (null: every model).</summary>
    public void SetKeyModels(string tenantId, IReadOnlyList<string>? models) => Execute(
        "INSERT INTO customer_key_limits (tenant_id, models) VALUES (@t, @m) ON CONFLICT (tenant_id) DO UPDATE SET models = excluded.models",
        ("@t", tenantId), ("@m", models is null ? DBNull.Value : string.Join(',', models)));

    // A code is accepted once: the step it matched must be later than the last step used, written with a conditional
    // update so two sign-ins racing with the same code cannot both pass (RFC 6238 §5.2).
    private bool UseTotp(AccountRow row, string code)
    {
        if (row.TotpSecret is null || code.Length != 6 || !code.All(char.IsAsciiDigit))
        {
            return false;
        }

        int colon = row.TotpSecret.IndexOf(':', StringComparison.Ordinal);
        byte[] secret;
        try
        {
            secret = ring.Decrypt(new EncryptedSecret(row.TotpSecret[..colon], Convert.FromBase64String(row.TotpSecret[(colon + 1)..])), TotpPurpose + ":" + row.Account.Id);
        }
        catch (CryptographicException)
        {
            return false;
        }

        var totp = new Totp(secret);
        if (!totp.VerifyTotp(time.GetUtcNow().UtcDateTime, code, out long step, VerificationWindow.RfcSpecifiedNetworkDelay))
        {
            return false;
        }

        return Execute("UPDATE customer_accounts SET totp_last_step = @step WHERE id = @id AND totp_last_step < @step", ("@step", step), ("@id", row.Account.Id)) == 1;
    }

    private bool UseRecoveryCode(string accountId, string code) => Execute(
        "UPDATE customer_recovery_codes SET used_at = @at WHERE account_id = @id AND code_hash = @h AND used_at IS NULL",
        ("@at", SqlTime.Format(time.GetUtcNow())), ("@id", accountId), ("@h", Sha256(NormaliseRecovery(code)))) == 1;

    // 80 random bits as four groups of four base32 characters: easy to copy from paper, too many to guess.
    private static string RecoveryCode()
    {
        string text = Base32Encoding.ToString(RandomNumberGenerator.GetBytes(10)).ToLowerInvariant();
        return $"{text[..4]}-{text[4..8]}-{text[8..12]}-{text[12..16]}";
    }

    private static string NormaliseRecovery(string code) => code.Replace("-", "", StringComparison.Ordinal).Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();

    private const string SelectAccount = "SELECT id, tenant_id, name, totp_enabled, created_at, disabled_at, password_hash, totp_secret FROM customer_accounts";

    // Verified against when the name is unknown, so an unknown name costs what a wrong password costs.
    private static readonly Lazy<string> DummyHash = new(() => PasswordHash.Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));

    private AccountRow? FindRow(string name)
    {
        using var connection = database.Open();
        using var command = Command(connection, null, $"{SelectAccount} WHERE name = @name");
        command.Parameters.AddWithValue("@name", name);
        return ReadRows(command).FirstOrDefault();
    }

    private AccountRow? FindRowById(string id)
    {
        using var connection = database.Open();
        using var command = Command(connection, null, $"{SelectAccount} WHERE id = @id");
        command.Parameters.AddWithValue("@id", id);
        return ReadRows(command).FirstOrDefault();
    }

    private static List<CustomerAccount> ReadAccounts(DbCommand command) => ReadRows(command).Select(r => r.Account).ToList();

    private static List<AccountRow> ReadRows(DbCommand command)
    {
        using var reader = command.ExecuteReader();
        var rows = new List<AccountRow>();
        while (reader.Read())
        {
            var account = new CustomerAccount(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3) != 0, SqlTime.Parse(reader.GetString(4)),
                reader.IsDBNull(5) ? null : SqlTime.Parse(reader.GetString(5)));
            rows.Add(new AccountRow(account, reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return rows;
    }

    private int Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = database.Open();
        using var command = Command(connection, null, sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    private static DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static byte[] Sha256(string text) => SHA256.HashData(Encoding.UTF8.GetBytes(text));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private sealed record AccountRow(CustomerAccount Account, string PasswordHash, string? TotpSecret);
}
