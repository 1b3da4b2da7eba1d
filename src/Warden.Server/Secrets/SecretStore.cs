using System.Security.Cryptography;
using Warden.Server.Storage;

namespace Warden.Server.Secrets;

/// <summary>Warden's own secrets (such as the client-key pepper), kept encrypted in the <c>secrets</c> table.</summary>
internal sealed class SecretStore(WardenDatabase database, MasterKeyRing ring)
{
    public const string ClientKeyPepper = "client-key-pepper";

    /// <summary>Derives the per-tenant keys of personal-data placeholders (issue 20): stable in a conversation, not guessable.</summary>
    public const string PlaceholderKey = "placeholder-key";

    public static string Purpose(string name) => "secret:" + name;

    /// <summary>Returns the named 32-byte secret, creating it on first use.</summary>
    public byte[] GetOrCreate(string name)
    {
        using var connection = database.Open();
        using var transaction = connection.BeginWrite();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT key_id, ciphertext FROM secrets WHERE name = @name";
            select.Parameters.AddWithValue("@name", name);
            using var reader = select.ExecuteReader();
            if (reader.Read())
            {
                return ring.Decrypt(new EncryptedSecret(reader.GetString(0), (byte[])reader.GetValue(1)), Purpose(name));
            }
        }

        byte[] secret = RandomNumberGenerator.GetBytes(32);
        var encrypted = ring.Encrypt(secret, Purpose(name));
        using (var insert = connection.CreateCommand())
        {
            insert.Transaction = transaction;
            insert.CommandText = "INSERT INTO secrets (name, key_id, ciphertext) VALUES (@name, @kid, @ct)";
            insert.Parameters.AddWithValue("@name", name);
            insert.Parameters.AddWithValue("@kid", encrypted.KeyId);
            insert.Parameters.AddWithValue("@ct", encrypted.Ciphertext);
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
        return secret;
    }
}
