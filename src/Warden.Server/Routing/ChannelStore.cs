using System.Data.Common;
using System.Text;
using System.Text.Json;
using Warden.Server.Secrets;
using Warden.Server.Storage;

namespace Warden.Server.Routing;

/// <summary>Persistence of channels. Credentials are encrypted here, before they reach SQL.</summary>
internal sealed class ChannelStore(WardenDatabase database, MasterKeyRing ring)
{
    public static string CredentialPurpose(string channelId) => "channel:" + channelId + ":credential";

    public EncryptedSecret EncryptCredential(string channelId, string credential) =>
        ring.Encrypt(Encoding.UTF8.GetBytes(credential), CredentialPurpose(channelId));

    public string DecryptCredential(Channel channel) =>
        Encoding.UTF8.GetString(ring.Decrypt(channel.Credential!, CredentialPurpose(channel.Id)));

    /// <summary>Whether the master key <paramref name="keyId"/> is available to this process (a key file is read again first).</summary>
    public bool HoldsKey(string keyId) => ring.Holds(keyId);

    public void Insert(Channel channel) => database.ChangeConfiguration(
        """
        INSERT INTO channels (id, name, provider, base_url, models, priority, allow_private, credential_key_id, credential, managed_simulator, created_at,
                              weight, connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, max_concurrency, jurisdiction, key_pool_size)
        VALUES (@id, @name, @provider, @url, @models, @priority, @private, @kid, @ct, @managed, @created,
                @weight, @connect, @firstbyte, @idle, @concurrency, @jurisdiction, @pool)
        """,
        p =>
        {
            p.AddWithValue("@id", channel.Id);
            p.AddWithValue("@name", channel.Name);
            p.AddWithValue("@provider", channel.ProviderId);
            p.AddWithValue("@url", channel.BaseUrl.ToString());
            p.AddWithValue("@models", JsonSerializer.Serialize(channel.Models, StorageJsonContext.Default.IReadOnlyListString));
            p.AddWithValue("@priority", channel.Priority);
            p.AddWithValue("@private", channel.AllowPrivateNetwork ? 1 : 0);
            p.AddWithValue("@kid", (object?)channel.Credential?.KeyId ?? DBNull.Value);
            p.AddWithValue("@ct", (object?)channel.Credential?.Ciphertext ?? DBNull.Value);
            p.AddWithValue("@managed", channel.ManagedSimulator ? 1 : 0);
            p.AddWithValue("@created", SqlTime.Format(channel.CreatedAt));
            var tuning = channel.Tuned;
            p.AddWithValue("@weight", tuning.Weight);
            p.AddWithValue("@connect", (object?)tuning.ConnectTimeoutMs ?? DBNull.Value);
            p.AddWithValue("@firstbyte", (object?)tuning.FirstByteTimeoutMs ?? DBNull.Value);
            p.AddWithValue("@idle", (object?)tuning.IdleTimeoutMs ?? DBNull.Value);
            p.AddWithValue("@concurrency", (object?)tuning.MaxConcurrency ?? DBNull.Value);
            p.AddWithValue("@jurisdiction", (object?)tuning.Jurisdiction ?? DBNull.Value);
            p.AddWithValue("@pool", (object?)channel.KeyPoolSize ?? DBNull.Value);
        });

    /// <summary>Removes a channel by id or name; false when none matched.</summary>
    public bool Remove(string idOrName) => database.ChangeConfiguration(
        "DELETE FROM channels WHERE id = @key OR name = @key",
        p => p.AddWithValue("@key", idOrName)) > 0;

    /// <summary>
    /// Changes what an operator may edit on a channel (enabled, priority, weight, models), in one configuration change
    /// logged as <c>channel.update</c> with the channel's new state.
    /// </summary>
    public void Update(Channel channel, bool enabled, int priority, int weight, IReadOnlyList<string> models) => database.ChangeConfiguration<int>((connection, transaction) =>
    {
        using (var update = connection.CreateCommand())
        {
            update.Transaction = transaction;
            update.CommandText = "UPDATE channels SET priority = @priority, weight = @weight, models = @models WHERE id = @id";
            update.Parameters.AddWithValue("@id", channel.Id);
            update.Parameters.AddWithValue("@priority", priority);
            update.Parameters.AddWithValue("@weight", weight);
            update.Parameters.AddWithValue("@models", JsonSerializer.Serialize(models, StorageJsonContext.Default.IReadOnlyListString));
            update.ExecuteNonQuery();
        }

        using (var state = connection.CreateCommand())
        {
            state.Transaction = transaction;
            state.CommandText = enabled
                ? "DELETE FROM channel_disabled WHERE channel_id = @id"
                : "INSERT INTO channel_disabled (channel_id, disabled_at) VALUES (@id, @t) ON CONFLICT (channel_id) DO NOTHING";
            state.Parameters.AddWithValue("@id", channel.Id);
            state.Parameters.AddWithValue("@t", SqlTime.Format(database.Time.GetUtcNow()));
            state.ExecuteNonQuery();
        }

        return (0, new Trust.ConfigEvent("channel.update", channel.Name, database.CurrentActor));
    });

    public List<Channel> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, name, provider, base_url, models, priority, allow_private, credential_key_id, credential, managed_simulator, created_at,
                   weight, connect_timeout_ms, first_byte_timeout_ms, idle_timeout_ms, max_concurrency, jurisdiction, key_pool_size,
                   CASE WHEN EXISTS (SELECT 1 FROM channel_disabled d WHERE d.channel_id = channels.id) THEN 0 ELSE 1 END AS enabled
            FROM channels ORDER BY priority DESC, created_at, id
            """;
        using var reader = command.ExecuteReader();
        var channels = new List<Channel>();
        while (reader.Read())
        {
            channels.Add(Read(reader));
        }

        return channels;
    }

    private static Channel Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        new Uri(reader.GetString(3)),
        JsonSerializer.Deserialize(reader.GetString(4), StorageJsonContext.Default.IReadOnlyListString) ?? [],
        reader.GetInt32(5),
        reader.GetInt32(6) != 0,
        reader.IsDBNull(8) ? null : new EncryptedSecret(reader.GetString(7), (byte[])reader.GetValue(8)),
        reader.GetInt32(9) != 0,
        SqlTime.Parse(reader.GetString(10)),
        new ChannelTuning(
            reader.GetInt32(11),
            reader.IsDBNull(12) ? null : reader.GetInt32(12),
            reader.IsDBNull(13) ? null : reader.GetInt32(13),
            reader.IsDBNull(14) ? null : reader.GetInt32(14),
            reader.IsDBNull(15) ? null : reader.GetInt32(15),
            reader.IsDBNull(16) ? null : reader.GetString(16)))
    {
        KeyPoolSize = reader.IsDBNull(17) ? null : reader.GetInt32(17),
        Enabled = reader.GetInt32(18) != 0,
    };
}
