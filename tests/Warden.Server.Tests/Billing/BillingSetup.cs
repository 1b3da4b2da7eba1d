using Microsoft.Data.Sqlite;
using Warden.Server.Billing;
using Warden.Server.Hosting;
using Warden.Server.Keys;
using Warden.Server.Tests.Support;

namespace Warden.Server.Tests.Billing;

/// <summary>A real data folder (SQLite file, pepper, migrations) with a tenant, a client key of that tenant and a price.</summary>
internal sealed class BillingSetup : IDisposable
{
    // Anthropic-like rates in micro-USD per million tokens: input 3, output 15, cache read 0.30, cache write 3.75, reasoning 10.
    public static readonly PriceRates Rates = new(3_000_000, 15_000_000, 300_000, 3_750_000, 10_000_000);
    public const string Model = "sim-large";

    private readonly TempDirectory _directory = new();

    public BillingSetup(TimeProvider? time = null, long multiplierPpm = 1_000_000, string? postgres = null)
    {
        Time = time ?? TimeProvider.System;
        Folder = DataFolder.Open(_directory.Path, masterKeyFromEnvironment: null, Time, postgres);
        Tenant = Billing.Tenants.Add("acme", "USD", multiplierPpm).Tenant!;
        Key = Folder.KeyIssuer.Issue("acme-key", KeyRole.Client, null, null).Key;
        Assert.Null(Billing.Tenants.AssignKey(Key.Id, Tenant.Id));
        Price = Billing.Prices.Set(Model, "USD", Rates).Price!;
    }

    public TimeProvider Time { get; }

    public DataFolder Folder { get; }

    public BillingServices Billing => Folder.Billing;

    public Tenant Tenant { get; }

    public ClientKey Key { get; }

    public PriceVersion Price { get; }

    public string DataPath => _directory.Path;

    /// <summary>Runs raw SQL against the database file, as an attacker or a bug would, bypassing the ledger.</summary>
    public void RawSql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(DataPath, DataFolder.DatabaseFileName)};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }
}
