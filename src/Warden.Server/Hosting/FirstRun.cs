using System.Data.Common;
using Warden.Server.Billing.Catalog;
using Warden.Server.Keys;
using Warden.Server.Routing;
using Warden.Server.Simulator;
using Warden.Server.Storage;

namespace Warden.Server.Hosting;

/// <summary>
/// What the first start of a new data folder creates: a demo channel to the built-in simulator (unless the server runs
/// without it), then, once the server listens, an admin key and a demo client key, so Warden answers with no provider key
/// and no config. Nothing here is a default credential: every key is random and shown once.
/// </summary>
/// <remarks>
/// The folder counts as initialised (<c>meta.initialised_at</c>) only when its first keys exist: a first start that
/// fails before listening (a port in use) leaves no key behind that nobody saw, and the next start creates and prints
/// them (issue 18). Two servers starting on the same empty folder at the same instant may each create and print a pair;
/// every one of them works.
/// </remarks>
internal static class FirstRun
{
    public const string DemoChannelName = "demo-simulator";

    // Never dialled: each server routes the managed channel to its own in-process simulator (BuiltInSimulator).
    private const string PlaceholderBaseUrl = "http://127.0.0.1:1/v1/";

    /// <summary>Before listening: the demo channel, on a folder not yet initialised, when the simulator runs.</summary>
    public static void EnsureDemoChannel(DataFolder data, bool simulatorEnabled)
    {
        if (!simulatorEnabled || IsInitialised(data) || data.Channels.List().Any(c => c.ManagedSimulator))
        {
            return;
        }

        ChannelRegistration result;
        try
        {
            result = data.ChannelRegistrar.Add(new ChannelSpec(
                DemoChannelName,
                "simulator",
                PlaceholderBaseUrl,
                SimulatorModels.Served,
                Priority: 0,
                KeyHasher.NewKey(KeyRole.Client),
                AllowPrivateNetwork: true,
                ManagedSimulator: true));
        }
        catch (DbException ex) when (ex.IsConstraintViolation() && data.Channels.List().Any(c => c.ManagedSimulator))
        {
            // SQLITE_CONSTRAINT: another server on this folder added it first.
            return;
        }

        if (result.Problem is not null && !data.Channels.List().Any(c => c.ManagedSimulator))
        {
            throw new InvalidOperationException(result.Problem);
        }
    }

    /// <summary>
    /// Before listening, on a folder not yet initialised: the built-in price catalog, so that a metered key can call a
    /// common model at once (issue 22). Logged like any price change; an operator's own prices later override it.
    /// </summary>
    public static void EnsurePriceCatalog(DataFolder data)
    {
        if (IsInitialised(data) || PriceCatalogSync.EverApplied(data.Database))
        {
            return;
        }

        PriceCatalogSync.Apply(data.Database, data.Billing.Catalog, PriceCatalog.BuiltIn, data.Time);
    }

    /// <summary>Once listening: the admin and demo keys, on a folder not yet initialised; null when it was.</summary>
    public static FirstRunKeys? IssueKeysOnce(DataFolder data)
    {
        if (IsInitialised(data))
        {
            return null;
        }

        var admin = data.KeyIssuer.Issue("admin", KeyRole.Admin, null, null);
        var demo = data.KeyIssuer.Issue("demo", KeyRole.Client, null, null);
        using (var connection = data.Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT INTO meta (key, value) VALUES ('initialised_at', @now) ON CONFLICT (key) DO NOTHING";
            command.Parameters.AddWithValue("@now", Storage.SqlTime.Format(data.Time.GetUtcNow()));
            command.ExecuteNonQuery();
        }

        return new FirstRunKeys(admin.Plaintext, demo.Plaintext);
    }

    private static bool IsInitialised(DataFolder data)
    {
        using var connection = data.Database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT 1 FROM meta WHERE key = 'initialised_at'";
        return command.ExecuteScalar() is not null;
    }
}
