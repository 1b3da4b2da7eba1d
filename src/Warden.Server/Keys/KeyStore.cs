using System.Data.Common;
using System.Text.Json;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Keys;

/// <summary>Persistence of client and admin keys.</summary>
internal sealed class KeyStore(WardenDatabase database, TimeProvider time)
{
    public void Insert(ClientKey key) => database.ChangeConfiguration(
        """
        INSERT INTO client_keys (id, name, role, hint, hash, allowed_models, created_at, expires_at, revoked_at, fallback_models)
        VALUES (@id, @name, @role, @hint, @hash, @models, @created, @expires, NULL, @fallback)
        """,
        p =>
        {
            p.AddWithValue("@id", key.Id);
            p.AddWithValue("@name", key.Name);
            p.AddWithValue("@role", key.Role == KeyRole.Admin ? "admin" : "client");
            p.AddWithValue("@hint", key.Hint);
            p.AddWithValue("@hash", key.Hash);
            p.AddWithValue("@models", key.AllowedModels is null ? DBNull.Value : JsonSerializer.Serialize(key.AllowedModels, StorageJsonContext.Default.IReadOnlyListString));
            p.AddWithValue("@created", SqlTime.Format(key.CreatedAt));
            p.AddWithValue("@expires", key.ExpiresAt is { } e ? SqlTime.Format(e) : DBNull.Value);
            p.AddWithValue("@fallback", FallbackColumn(key.FallbackModels));
        });

    /// <summary>
    /// Sets the models a client key accepts in place of the one it asked for (empty = strict), or returns why not.
    /// Logged as "key.fallback" with the key id as subject.
    /// </summary>
    public string? SetFallback(string id, IReadOnlyList<string> models)
    {
        if (List().FirstOrDefault(k => k.Id == id) is not { } key)
        {
            return $"No key with id '{id}'.";
        }

        if (key.Role != KeyRole.Client)
        {
            return "Only client keys call models; an admin key has no fallback list.";
        }

        var list = models.Select(m => m.Trim()).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (list.FirstOrDefault(m => !key.MayUse(m)) is { } forbidden)
        {
            return $"The key may not use '{forbidden}' (see its model allow-list), so it cannot fall back to it.";
        }

        if (list.SequenceEqual(key.FallbackModels, StringComparer.Ordinal))
        {
            return null;
        }

        database.ChangeConfiguration(
            "UPDATE client_keys SET fallback_models = @fallback WHERE id = @id",
            p =>
            {
                p.AddWithValue("@id", id);
                p.AddWithValue("@fallback", FallbackColumn(list));
            },
            new ConfigEvent("key.fallback", id, ConfigActor.Current ?? database.DefaultActor));
        return null;
    }

    /// <summary>Revokes a key by id; false when no such key exists or it was already revoked.</summary>
    public bool Revoke(string id) => database.ChangeConfiguration(
        "UPDATE client_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL",
        p =>
        {
            p.AddWithValue("@id", id);
            p.AddWithValue("@now", SqlTime.Format(time.GetUtcNow()));
        }) > 0;

    public List<ClientKey> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, role, hint, hash, allowed_models, created_at, expires_at, revoked_at, fallback_models FROM client_keys ORDER BY created_at, id";
        using var reader = command.ExecuteReader();
        var keys = new List<ClientKey>();
        while (reader.Read())
        {
            keys.Add(Read(reader));
        }

        return keys;
    }

    private static ClientKey Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2) == "admin" ? KeyRole.Admin : KeyRole.Client,
        reader.GetString(3),
        (byte[])reader.GetValue(4),
        reader.IsDBNull(5) ? null : JsonSerializer.Deserialize(reader.GetString(5), StorageJsonContext.Default.IReadOnlyListString),
        SqlTime.Parse(reader.GetString(6)),
        reader.IsDBNull(7) ? null : SqlTime.Parse(reader.GetString(7)),
        reader.IsDBNull(8) ? null : SqlTime.Parse(reader.GetString(8)))
    {
        FallbackModels = reader.IsDBNull(9) ? [] : JsonSerializer.Deserialize(reader.GetString(9), StorageJsonContext.Default.IReadOnlyListString) ?? [],
    };

    // NULL when strict, so a key that never opted in reads the same as one that opted out again.
    private static object FallbackColumn(IReadOnlyList<string> models) =>
        models.Count == 0 ? DBNull.Value : JsonSerializer.Serialize(models, StorageJsonContext.Default.IReadOnlyListString);
}
