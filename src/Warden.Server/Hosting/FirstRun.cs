using Warden.Server.Keys;
using Warden.Server.Routing;
using Warden.Server.Simulator;
using Warden.Server.Storage;

namespace Warden.Server.Hosting;

/// <summary>
/// What the first start of a new data folder creates: an admin key, a demo client key and a demo channel to the
/// built-in simulator, so Warden answers with no provider key and no config. Nothing here is a default
/// credential: every key is random and shown once.
/// </summary>
internal static class FirstRun
{
    public const string DemoChannelName = "demo-simulator";

    public static FirstRunKeys? EnsureInitialised(DataFolder data)
    {
        using (var connection = data.Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "INSERT OR IGNORE INTO meta (key, value) VALUES ('initialised_at', $now)";
            command.Parameters.AddWithValue("$now", SqlTime.Format(data.Time.GetUtcNow()));
            if (command.ExecuteNonQuery() == 0)
            {
                return null;
            }
        }

        var admin = data.KeyIssuer.Issue("admin", KeyRole.Admin, null, null);
        var demo = data.KeyIssuer.Issue("demo", KeyRole.Client, null, null);
        var simulatorCredential = KeyHasher.NewKey(KeyRole.Client);
        var result = data.ChannelRegistrar.Add(new ChannelSpec(
            DemoChannelName,
            "simulator",
            // Re-pointed at the in-process simulator's real port on every start.
            "http://127.0.0.1:1/v1/",
            SimulatorModels.Names,
            Priority: 0,
            simulatorCredential,
            AllowPrivateNetwork: true,
            ManagedSimulator: true));
        if (result.Problem is not null)
        {
            throw new InvalidOperationException(result.Problem);
        }

        return new FirstRunKeys(admin.Plaintext, demo.Plaintext);
    }
}
