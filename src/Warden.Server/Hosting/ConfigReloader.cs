using System.Security.Cryptography;
using Warden.Core.Providers;
using Warden.Server.Billing;
using Warden.Server.Keys;
using Warden.Server.Routing;
using Warden.Server.Storage;
using Warden.Server.Telemetry;

namespace Warden.Server.Hosting;

/// <summary>
/// Loads keys, channels, aliases, channel policies and billing configuration into their in-memory snapshots, and reloads them when the configuration version in
/// the database changes (the CLI may change it while the server runs).
/// </summary>
internal sealed class ConfigReloader(
    WardenDatabase database,
    KeyStore keyStore,
    ChannelStore channelStore,
    KeyDirectory keys,
    ChannelCatalog catalog,
    AliasStore aliasStore,
    AliasCatalog aliases,
    PolicyStore policyStore,
    PolicyCatalog policies,
    BillingCatalog billing,
    TimeProvider time,
    ILogger<ConfigReloader> logger) : BackgroundService
{
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private long _loadedVersion = -1;

    public void Reload()
    {
        lock (_gate)
        {
            long version;
            using (var connection = database.Open())
            {
                version = ConfigVersion.Read(connection);
            }

            var keyList = keyStore.List();
            var channels = channelStore.List();
            var targets = new List<(RouteTarget, IReadOnlyList<string>)>();
            foreach (var channel in channels)
            {
                if (ProviderProfiles.Find(channel.ProviderId) is not { } profile)
                {
                    Log.ChannelUnusable(logger, channel.Name, $"unknown provider '{channel.ProviderId}'");
                    continue;
                }

                string? credential;
                try
                {
                    credential = channel.Credential is null ? null : channelStore.DecryptCredential(channel);
                }
                catch (CryptographicException)
                {
                    // Fail closed for this channel only: never send a request with a credential we cannot vouch for.
                    Log.ChannelUnusable(logger, channel.Name, "its credential cannot be decrypted with the available master key");
                    continue;
                }

                // A key pool is stored as one upstream key per line of the encrypted credential: one target per key.
                var tuning = channel.Tuned;
                string?[] pool = credential is null ? [null] : [.. ChannelRegistrar.SplitPool(credential)];
                for (int index = 0; index < pool.Length; index++)
                {
                    var upstream = new UpstreamTarget(channel.BaseUrl, profile, pool[index], channel.AllowPrivateNetwork)
                    {
                        ConnectTimeout = tuning.ConnectTimeoutMs is { } connectMs ? TimeSpan.FromMilliseconds(connectMs) : null,
                    };
                    targets.Add((new RouteTarget(channel.Id, channel.Name, channel.Priority, channel.CreatedAt, upstream, index, tuning), channel.Models));
                }
            }

            keys.Replace(keyList);
            catalog.Replace(targets);
            billing.Reload();

            // Declared aliases and channel policies (issue 4): read only from committed, logged rows.
            aliases.Replace(aliasStore.List());
            policies.Replace(policyStore.List());
            if (_loadedVersion >= 0)
            {
                Log.ConfigReloaded(logger, version, keyList.Count, targets.Count);
            }

            _loadedVersion = version;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                long version;
                using (var connection = database.Open())
                {
                    version = ConfigVersion.Read(connection);
                }

                if (version != Volatile.Read(ref _loadedVersion))
                {
                    Reload();
                }
            }
            catch (Microsoft.Data.Sqlite.SqliteException ex)
            {
                // The last good snapshot keeps serving; the next tick tries again.
                Log.ConfigReloadFailed(logger, ex.SqliteErrorCode);
            }
        }
    }
}
