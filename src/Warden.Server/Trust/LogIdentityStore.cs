using System.Data.Common;
using System.Security.Cryptography;
using Warden.Core.Trust;
using Warden.Server.Secrets;
using Warden.Server.Storage;

namespace Warden.Server.Trust;

/// <summary>
/// The log's origin and its Ed25519 note key (C2SP signed-note type 0x01, key name = origin). Both are chosen at the
/// first start that finds none (a fresh install, or the first start after the upgrade to signed-note checkpoints): the
/// configured origin, else <c>warden.local/&lt;random&gt;</c>, so no two deployments share a log name. The choice is a
/// transparency-log entry (<c>log.origin</c>, subject the vkey) written in the same transaction, and is never changed
/// afterwards: a start configured with a different origin is refused.
/// </summary>
internal sealed class LogIdentityStore(WardenDatabase database, MasterKeyRing ring, TimeProvider time)
{
    private const string SecretName = "log-note-key";
    private const string GeneratedPrefix = "warden.local/";

    /// <summary>The stored key, or a new one (logged) when there is none.</summary>
    /// <exception cref="InvalidDataException">The configured origin differs from the stored one, or the stored key is damaged.</exception>
    public NoteSigningKey LoadOrCreate(string? configuredOrigin)
    {
        if (configuredOrigin is not null && !NoteVerifier.IsValidKeyName(configuredOrigin))
        {
            throw new InvalidDataException($"the log origin \"{configuredOrigin}\" is not a valid name: non-empty, without spaces or '+' (e.g. relay.example.com/log)");
        }

        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        NoteSigningKey key = Read(connection, transaction) ?? Create(connection, transaction, configuredOrigin ?? Generated());
        if (configuredOrigin is not null && configuredOrigin != key.Name)
        {
            key.Dispose();
            throw new InvalidDataException(
                $"this log's origin is \"{key.Name}\" (chosen at its first start and logged); the configured origin \"{configuredOrigin}\" would make it a different log. Remove the setting, or start a new data folder.");
        }

        transaction.Commit();
        return key;
    }

    private NoteSigningKey? Read(DbConnection connection, DbTransaction transaction)
    {
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = """
            SELECT i.origin, i.vkey, s.key_id, s.ciphertext FROM log_identity i
            LEFT JOIN secrets s ON s.name = @name WHERE i.id = 1
            """;
        select.Parameters.AddWithValue("@name", SecretName);
        using var reader = select.ExecuteReader();
        if (!reader.Read())
        {
            return null;
        }

        string origin = reader.GetString(0);
        if (reader.IsDBNull(2))
        {
            throw new InvalidDataException($"the private note key of the log {origin} is missing from the data folder");
        }

        byte[] seed = ring.Decrypt(new EncryptedSecret(reader.GetString(2), (byte[])reader.GetValue(3)), SecretStore.Purpose(SecretName));
        try
        {
            var key = NoteSigningKey.FromSeed(origin, NoteVerifier.Ed25519Type, seed);
            if (key.Verifier.ToVkey() != reader.GetString(1))
            {
                key.Dispose();
                throw new InvalidDataException($"the stored note key of the log {origin} does not match its published verifier key");
            }

            return key;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    private NoteSigningKey Create(DbConnection connection, DbTransaction transaction, string origin)
    {
        var key = NoteSigningKey.Generate(origin, NoteVerifier.Ed25519Type);
        byte[] seed = key.ExportSeed();
        try
        {
            var encrypted = ring.Encrypt(seed, SecretStore.Purpose(SecretName));
            var now = time.GetUtcNow();
            Execute(connection, transaction, "INSERT INTO secrets (name, key_id, ciphertext) VALUES (@name, @kid, @ct)",
                ("@name", SecretName), ("@kid", encrypted.KeyId), ("@ct", encrypted.Ciphertext));
            Execute(connection, transaction, "INSERT INTO log_identity (id, origin, vkey, created_at) VALUES (1, @origin, @vkey, @t)",
                ("@origin", origin), ("@vkey", key.Verifier.ToVkey()), ("@t", SqlTime.Format(now)));
            LogEntryRows.Append(connection, transaction, LogEntryRows.ConfigKind, new ConfigEvent("log.origin", key.Verifier.ToVkey(), "server").ToEntry(now), now);
            return key;
        }
        catch
        {
            key.Dispose();
            throw;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    // 16 random hex digits: the origin only has to be unique, and needs no reachable address (signed-note, "Signatures").
    private static string Generated() => GeneratedPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

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
