using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using Warden.Core.Trust;
using Warden.Server.Secrets;
using Warden.Server.Storage;

namespace Warden.Server.Trust;

/// <summary>
/// Keeps the receipt signing keys in the data folder. The current key's private PKCS#8 bytes are encrypted under the
/// master key in the <c>secrets</c> table (the same scheme and purpose as <see cref="SecretStore"/>, so a master key
/// rotation re-encrypts it too); every key's public half is a row of <c>receipt_signing_keys</c>, kept after
/// retirement so receipts it signed keep verifying. Private bytes are never logged or returned.
/// </summary>
internal sealed class SigningKeyStore(WardenDatabase database, MasterKeyRing ring, TimeProvider time)
{
    private const string SecretPrefix = "receipt-signing-key:";

    /// <summary>The ring as stored; a first key is created and stored when there is none.</summary>
    public SigningKeyRing LoadOrCreate()
    {
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        var (current, retired) = Read(connection, transaction);
        EcSigningKey key = current is { } kid
            ? LoadPrivate(connection, transaction, kid)
            : database.ChangeConfiguration(connection, transaction, () =>
            {
                // Logged with its public JWK (the log's commitment to it): deleting its row later stops the next start.
                var created = Create(connection, transaction);
                return (created, new ConfigEvent("signing_key.create", created.KeyId, database.CurrentActor));
            });
        transaction.Commit();
        return new SigningKeyRing(key, retired);
    }

    /// <summary>
    /// Makes a new current key and retires the old one: its public half stays published, its private half is deleted.
    /// </summary>
    /// <returns>The new key id and the retired one (null when there was no key yet).</returns>
    public (string NewKeyId, string? RetiredKeyId) Rotate()
    {
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        var (current, _) = Read(connection, transaction);
        string nextId = database.ChangeConfiguration(connection, transaction, () =>
        {
            if (current is { } old)
            {
                Execute(connection, transaction, "UPDATE receipt_signing_keys SET retired_at = @t WHERE kid = @kid",
                    ("@t", SqlTime.Format(time.GetUtcNow())), ("@kid", old));
                Execute(connection, transaction, "DELETE FROM secrets WHERE name = @name", ("@name", SecretPrefix + old));
            }

            // A key's row is never deleted through Warden: retired keys stay published so their receipts keep verifying.
            using EcSigningKey next = Create(connection, transaction);
            return (next.KeyId, new ConfigEvent("signing_key.rotate", next.KeyId, database.CurrentActor));
        });
        transaction.Commit();
        return (nextId, current);
    }

    private static (string? Current, List<JsonWebKey> Retired) Read(DbConnection connection, DbTransaction transaction)
    {
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT kid, public_jwk, retired_at FROM receipt_signing_keys ORDER BY created_at DESC, kid";
        using var reader = select.ExecuteReader();
        string? current = null;
        var retired = new List<JsonWebKey>();
        while (reader.Read())
        {
            if (reader.IsDBNull(2))
            {
                current ??= reader.GetString(0);
                continue;
            }

            using var document = JsonDocument.Parse(reader.GetString(1));
            if (!JsonWebKey.TryParse(document.RootElement, out JsonWebKey? key, out string? error))
            {
                throw new InvalidOperationException($"The stored public key {reader.GetString(0)} is not valid: {error}");
            }

            retired.Add(key!);
        }

        return (current, retired);
    }

    private EcSigningKey LoadPrivate(DbConnection connection, DbTransaction transaction, string kid)
    {
        string name = SecretPrefix + kid;
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT key_id, ciphertext FROM secrets WHERE name = @name";
        select.Parameters.AddWithValue("@name", name);
        using var reader = select.ExecuteReader();
        if (!reader.Read())
        {
            throw new InvalidOperationException($"The private half of the receipt signing key {kid} is missing from the data folder.");
        }

        byte[] pkcs8 = ring.Decrypt(new EncryptedSecret(reader.GetString(0), (byte[])reader.GetValue(1)), SecretStore.Purpose(name));
        try
        {
            var key = EcSigningKey.FromPkcs8(pkcs8);
            if (key.KeyId != kid)
            {
                key.Dispose();
                throw new InvalidOperationException($"The stored receipt signing key does not match its id {kid}.");
            }

            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private EcSigningKey Create(DbConnection connection, DbTransaction transaction)
    {
        var key = EcSigningKey.Generate();
        byte[] pkcs8 = key.ExportPkcs8();
        try
        {
            string name = SecretPrefix + key.KeyId;
            var encrypted = ring.Encrypt(pkcs8, SecretStore.Purpose(name));
            Execute(connection, transaction, "INSERT INTO secrets (name, key_id, ciphertext) VALUES (@name, @kid, @ct)",
                ("@name", name), ("@kid", encrypted.KeyId), ("@ct", encrypted.Ciphertext));
            Execute(connection, transaction, "INSERT INTO receipt_signing_keys (kid, public_jwk, created_at, retired_at) VALUES (@kid, @jwk, @t, NULL)",
                ("@kid", key.KeyId), ("@jwk", key.PublicKey.ToJson()), ("@t", SqlTime.Format(time.GetUtcNow())));
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static void Execute(DbConnection connection, DbTransaction transaction, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
