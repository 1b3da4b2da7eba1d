using System.Security.Cryptography;
using Warden.Server.Routing;
using Warden.Server.Storage;

namespace Warden.Server.Secrets;

/// <summary>
/// Re-encrypts every stored secret under a new master key.
/// </summary>
/// <remarks>
/// Crash-safe order: (1) the key file gains the new key beside the old, (2) all ciphertexts are re-encrypted in
/// one transaction, then swept again for any a running server sealed under the old key meanwhile, (3) the file is
/// rewritten with only the new key. A crash after (1) or (2) leaves a ring that can still decrypt everything, because
/// every ciphertext names the key that made it. Running servers that read the file follow it (<see cref="MasterKeyRing"/>).
/// </remarks>
internal static class SecretRotation
{
    /// <summary>Re-encrypts, in one transaction, every secret not yet under the rotated ring's current key; returns how many.</summary>
    private static int Reencrypt(WardenDatabase database, MasterKeyRing ring, MasterKeyRing rotated, bool logRotation)
    {
        int count = 0;
        using var connection = database.Open();
        // IMMEDIATE: a running server writes usage records all the time, and a read transaction could not then upgrade.
        using var transaction = connection.BeginWrite();
        var rows = new List<(string Table, string KeyColumn, string Key, string Purpose, EncryptedSecret Secret)>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = """
                SELECT 'channels', id, credential_key_id, credential FROM channels WHERE credential IS NOT NULL AND credential_key_id <> @current
                UNION ALL
                SELECT 'secrets', name, key_id, ciphertext FROM secrets WHERE key_id <> @current
                """;
            select.Parameters.AddWithValue("@current", rotated.CurrentKeyId);
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                string table = reader.GetString(0);
                string key = reader.GetString(1);
                var secret = new EncryptedSecret(reader.GetString(2), (byte[])reader.GetValue(3));
                rows.Add(table == "channels"
                    ? (table, "id", key, ChannelStore.CredentialPurpose(key), secret)
                    : (table, "name", key, SecretStore.Purpose(key), secret));
            }
        }

        foreach (var row in rows)
        {
            byte[] plaintext = ring.Decrypt(row.Secret, row.Purpose);
            var encrypted = rotated.Encrypt(plaintext, row.Purpose);
            CryptographicOperations.ZeroMemory(plaintext);
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = row.Table == "channels"
                ? "UPDATE channels SET credential_key_id = @kid, credential = @ct WHERE id = @key"
                : "UPDATE secrets SET key_id = @kid, ciphertext = @ct WHERE name = @key";
            update.Parameters.AddWithValue("@kid", encrypted.KeyId);
            update.Parameters.AddWithValue("@ct", encrypted.Ciphertext);
            update.Parameters.AddWithValue("@key", row.Key);
            update.ExecuteNonQuery();
            count++;
        }

        if (logRotation)
        {
            // The rotation is a configuration event like any other: logged in the same transaction (never the key itself).
            // No committed object changes (credentials are not committed): the entry carries the unchanged digest.
            database.ChangeConfiguration(connection, transaction, () => (0, new Trust.ConfigEvent("master_key.rotate", rotated.CurrentKeyId, database.CurrentActor)));
        }

        if (logRotation || count > 0)
        {
            ConfigVersion.Bump(connection, transaction);
        }

        transaction.Commit();
        return count;
    }

    public static RotationResult Rotate(WardenDatabase database, MasterKeyRing ring, byte[] newKey)
    {
        var rotated = ring.WithNewKey(newKey);
        if (ring.FilePath is not null)
        {
            rotated.Save();
        }

        int count = Reencrypt(database, ring, rotated, logRotation: true);

        // A server that sealed a new secret under the old key just before it saw the rotated file may commit it after
        // the pass above: sweep until no row names another key, so dropping the old key below strands nothing.
        for (int sweep = 0; sweep < 10; sweep++)
        {
            int late = Reencrypt(database, ring, rotated, logRotation: false);
            count += late;
            if (late == 0)
            {
                break;
            }
        }

        var final = rotated.OnlyCurrent();
        if (ring.FilePath is not null)
        {
            final.Save();
        }

        return new RotationResult(ring.CurrentKeyId, final.CurrentKeyId, count);
    }
}
