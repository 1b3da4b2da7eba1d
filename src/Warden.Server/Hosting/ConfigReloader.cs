using System.Security.Cryptography;
using Warden.Core.Providers;
using Warden.Server.Billing;
using Warden.Server.Keys;
using Warden.Server.Residency;
using Warden.Server.Routing;
using Warden.Server.Storage;
using Warden.Server.Telemetry;
using Warden.Server.Trust;

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
    ResidencyStore residencyStore,
    ResidencyCatalog residency,
    BillingCatalog billing,
    BuiltInSimulator simulator,
    ConfigDigestInForce digestInForce,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ConfigReloader> logger) : BackgroundService
{
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private long _loadedVersion = -1;

    // The credential each channel had at the last reload, by channel id (see the rotation case in Reload).
    private Dictionary<string, string?> _credentials = [];

    public void Reload()
    {
        lock (_gate)
        {
            long version;
            string digest;
            using (var connection = database.Open())
            using (var snapshot = connection.BeginRead())
            {
                version = ConfigVersion.Read(connection, snapshot);

                // Only configuration the log committed is served (issue 19): tables edited beside Warden stop the reload.
                // One read transaction, so a change the CLI commits meanwhile is seen whole or not at all. The stores
                // below read again; a change between the two is picked up by the next poll (the version moved).
                var state = ConfigState.Read(connection, snapshot);
                if (ConfigCommitments.Check(connection, snapshot, state) is { } problem)
                {
                    throw new InvalidDataException(problem);
                }

                digest = state.Digest();
            }

            var keyList = keyStore.List();
            var channels = channelStore.List();
            var targets = new List<(RouteTarget, IReadOnlyList<string>)>();
            var credentials = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var channel in channels)
            {
                if (!channel.Enabled)
                {
                    continue;
                }

                if (ProviderProfiles.Find(channel.ProviderId) is not { } profile)
                {
                    Log.ChannelUnusable(logger, channel.Name, $"unknown provider '{channel.ProviderId}'");
                    continue;
                }

                // The demo channel goes to this process's own simulator, or is not served here when it runs none.
                Uri baseUrl = channel.BaseUrl;
                if (channel.ManagedSimulator)
                {
                    if (simulator.BaseUrl is not { } own)
                    {
                        continue;
                    }

                    baseUrl = own;
                }

                string? credential;
                try
                {
                    credential = channel.Credential is null ? null : channelStore.DecryptCredential(channel);
                }
                catch (CryptographicException) when (channel.Credential is { } sealedCredential
                    && !channelStore.HoldsKey(sealedCredential.KeyId)
                    && _credentials.TryGetValue(channel.Id, out string? before))
                {
                    // A master key rotation ran beside this server and the new key is not available to it (it came from
                    // WARDEN_MASTER_KEY; a key file is followed by the ring). Rotation re-encrypts a credential without
                    // changing it, and nothing else rewrites a channel's credential, so the one read before stays right
                    // until this server restarts with the new key (issue 18: a rotation took every channel out of service).
                    Log.CredentialKeptAfterRotation(logger, channel.Name, sealedCredential.KeyId);
                    credential = before;
                }
                catch (CryptographicException)
                {
                    // Fail closed for this channel only: never send a request with a credential we cannot vouch for.
                    Log.ChannelUnusable(logger, channel.Name, "its credential cannot be decrypted with the available master key");
                    continue;
                }

                // The log commits to how many upstream keys the credential holds (never to the keys): a credential
                // swapped in the file for one with another pool is not used.
                int held = credential is null ? 0 : ChannelRegistrar.SplitPool(credential).Length;
                if (channel.KeyPoolSize is { } committed && committed != held)
                {
                    Log.ChannelUnusable(logger, channel.Name, $"its credential holds {held} upstream keys but the transparency log committed {committed}");
                    continue;
                }

                credentials[channel.Id] = credential;

                // A key pool is stored as one upstream key per line of the encrypted credential: one target per key.
                var tuning = channel.Tuned;
                string?[] pool = credential is null ? [null] : [.. ChannelRegistrar.SplitPool(credential)];
                for (int index = 0; index < pool.Length; index++)
                {
                    var upstream = new UpstreamTarget(baseUrl, profile, pool[index], channel.AllowPrivateNetwork)
                    {
                        ConnectTimeout = tuning.ConnectTimeoutMs is { } connectMs ? TimeSpan.FromMilliseconds(connectMs) : null,
                    };
                    targets.Add((new RouteTarget(channel.Id, channel.Name, channel.Priority, channel.CreatedAt, upstream, index, tuning), channel.Models));
                }
            }

            keys.Replace(keyList);
            catalog.Replace(targets);
            _credentials = credentials;
            billing.Reload();

            // Declared aliases and channel policies (issue 4): read only from committed, logged rows.
            aliases.Replace(aliasStore.List());
            policies.Replace(policyStore.List());
            digestInForce.Set(digest);

            // Residency rules (issue 20): read only from committed, logged rows, like the policies.
            residency.Replace(residencyStore.List());
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
            catch (System.Data.Common.DbException ex)
            {
                // The last good snapshot keeps serving; the next tick tries again.
                Log.ConfigReloadFailed(logger, ex.Code());
            }
            catch (InvalidDataException ex)
            {
                // The tables differ from the log: as at start, the server does not run on them.
                Log.ConfigDiffersFromLog(logger, ex.Message);
                lifetime.StopApplication();
                return;
            }
        }
    }
}
