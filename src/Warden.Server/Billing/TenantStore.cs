using System.Data.Common;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Billing;

/// <summary>
/// Tenants, their credit accounts and which keys they own. Requests read key ownership from the
/// <see cref="BillingCatalog"/> snapshot; a change is a logged configuration event and reloads the snapshot.
/// </summary>
internal sealed class TenantStore(WardenDatabase database, BillingCatalog catalog, TimeProvider time)
{
    /// <summary>Creates a tenant and its (empty) credit account in one transaction.</summary>
    public (Tenant? Tenant, string? Problem) Add(string name, string currency, long multiplierPpm = 1_000_000)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return (null, "A tenant name is required.");
        }

        if (Currencies.Problem(currency) is { } problem)
        {
            return (null, problem);
        }

        if (multiplierPpm is <= 0 or > Money.MaxMultiplierPpm)
        {
            return (null, $"The multiplier must be between 1 and {Money.MaxMultiplierPpm} ppm (1000000 = list price).");
        }

        var now = time.GetUtcNow();
        var tenant = new Tenant(Guid.CreateVersion7(now).ToString(), name.Trim(), Currencies.Normalise(currency), multiplierPpm, SqlTime.Parse(SqlTime.Format(now)));
        string? duplicate = database.ChangeConfiguration<string?>((connection, transaction) =>
        {
            using (var exists = connection.CreateCommand())
            {
                exists.Transaction = transaction;
                exists.CommandText = "SELECT COUNT(*) FROM tenants WHERE name = @name";
                exists.Parameters.AddWithValue("@name", tenant.Name);
                if (StorageCommands.ToInt64(exists.ExecuteScalar()) > 0)
                {
                    return ($"A tenant named '{tenant.Name}' already exists.", null);
                }
            }

            using (var insert = connection.CreateCommand())
            {
                insert.Transaction = transaction;
                insert.CommandText = "INSERT INTO tenants (id, name, currency, multiplier_ppm, created_at) VALUES (@id, @name, @currency, @m, @t)";
                insert.Parameters.AddWithValue("@id", tenant.Id);
                insert.Parameters.AddWithValue("@name", tenant.Name);
                insert.Parameters.AddWithValue("@currency", tenant.Currency);
                insert.Parameters.AddWithValue("@m", tenant.MultiplierPpm);
                insert.Parameters.AddWithValue("@t", SqlTime.Format(now));
                insert.ExecuteNonQuery();
            }

            LedgerSql.EnsureAccount(connection, transaction, tenant.AccountId, "tenant", tenant.Id, null, tenant.Currency, now);
            return (null, new ConfigEvent("tenant.add", tenant.Name, database.CurrentActor));
        });
        if (duplicate is not null)
        {
            return (null, duplicate);
        }

        catalog.Reload();
        return (tenant, null);
    }

    public List<Tenant> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, currency, multiplier_ppm, created_at FROM tenants ORDER BY created_at, id";
        return ReadAll(command);
    }

    /// <summary>A tenant by id or by name.</summary>
    public Tenant? Find(string idOrName)
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, name, currency, multiplier_ppm, created_at FROM tenants WHERE id = @v OR name = @v";
        command.Parameters.AddWithValue("@v", idOrName);
        return ReadAll(command).FirstOrDefault();
    }

    /// <summary>The tenant owning a key, or null when the key belongs to none (not metered); from the snapshot.</summary>
    public Tenant? OfKey(string keyId) => catalog.Current.TenantOfKey(keyId);

    /// <summary>Gives a key to a tenant (moving it if it had another); returns a problem when either does not exist.</summary>
    public string? AssignKey(string keyId, string tenantIdOrName)
    {
        var tenant = Find(tenantIdOrName);
        if (tenant is null)
        {
            return $"No tenant with id or name '{tenantIdOrName}'.";
        }

        var (problem, changed) = database.ChangeConfiguration<(string? Problem, bool Changed)>((connection, transaction) =>
        {
            using (var key = connection.CreateCommand())
            {
                key.Transaction = transaction;
                key.CommandText = "SELECT COUNT(*) FROM client_keys WHERE id = @k AND role = 'client'";
                key.Parameters.AddWithValue("@k", keyId);
                if (StorageCommands.ToInt64(key.ExecuteScalar()) == 0)
                {
                    return (($"No client key with id '{keyId}'.", false), null);
                }
            }

            // Insert, or move the key from another tenant; nothing (and nothing logged) when it is already this tenant's.
            using var upsert = connection.CreateCommand();
            upsert.Transaction = transaction;
            upsert.CommandText = """
                INSERT INTO key_tenants (key_id, tenant_id) VALUES (@k, @t)
                ON CONFLICT (key_id) DO UPDATE SET tenant_id = excluded.tenant_id WHERE key_tenants.tenant_id <> excluded.tenant_id
                """;
            upsert.Parameters.AddWithValue("@k", keyId);
            upsert.Parameters.AddWithValue("@t", tenant.Id);
            return upsert.ExecuteNonQuery() > 0
                ? ((null, true), new ConfigEvent("key.assign_tenant", keyId + "/" + tenant.Name, database.CurrentActor))
                : ((null, false), null);
        });
        if (changed)
        {
            catalog.Reload();
        }

        return problem;
    }

    private static List<Tenant> ReadAll(DbCommand command)
    {
        using var reader = command.ExecuteReader();
        var list = new List<Tenant>();
        while (reader.Read())
        {
            list.Add(new Tenant(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), SqlTime.Parse(reader.GetString(4))));
        }

        return list;
    }
}
