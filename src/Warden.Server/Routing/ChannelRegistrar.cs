using Warden.Core.Providers;

namespace Warden.Server.Routing;

/// <summary>Validates and adds channels for the CLI and the admin API alike.</summary>
internal sealed class ChannelRegistrar(ChannelStore store, TimeProvider time, AliasStore? aliases = null)
{
    /// <summary>Adds a channel, or returns why it cannot be added.</summary>
    public ChannelRegistration Add(ChannelSpec spec)
    {
        if (string.IsNullOrWhiteSpace(spec.Name))
        {
            return ChannelRegistration.Refused("A channel needs a name.");
        }

        if (ProviderProfiles.Find(spec.Provider) is not { } profile)
        {
            return ChannelRegistration.Refused($"Unknown provider '{spec.Provider}'. Known: {string.Join(", ", ProviderProfiles.All.Select(p => p.Id))}.");
        }

        var models = spec.Models.Select(m => m.Trim()).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (models.Count == 0)
        {
            return ChannelRegistration.Refused("A channel must serve at least one model.");
        }

        // A name means one thing: a channel may not serve a model named like a declared alias (issue 4).
        if (aliases is not null && models.Select(aliases.ModelNameProblem).FirstOrDefault(p => p is not null) is { } aliasProblem)
        {
            return ChannelRegistration.Refused(aliasProblem);
        }

        if (profile.BaseUrlRequired && string.IsNullOrWhiteSpace(spec.BaseUrl))
        {
            return ChannelRegistration.Refused($"The {profile.Id} profile has no usable default base URL; give the channel's own (e.g. {profile.DefaultBaseUrl}).");
        }

        Uri baseUrl = profile.DefaultBaseUrl;
        if (spec.BaseUrl is { Length: > 0 } given)
        {
            if (!Uri.TryCreate(given.EndsWith('/') ? given : given + "/", UriKind.Absolute, out var parsed))
            {
                return ChannelRegistration.Refused($"'{given}' is not an absolute URL.");
            }

            baseUrl = parsed;
        }

        // Local providers (vLLM, Ollama, the simulator) live on the operator's network by nature.
        bool allowPrivate = spec.AllowPrivateNetwork || profile.Quirks.HasFlag(ProviderQuirks.LocalNetwork);
        if (UpstreamUrlPolicy.Validate(baseUrl, allowPrivate) is { } problem)
        {
            return ChannelRegistration.Refused(problem);
        }

        if ((spec.Tuning ?? ChannelTuning.Default).Problem() is { } tuningProblem)
        {
            return ChannelRegistration.Refused(tuningProblem);
        }

        if (store.List().Any(c => string.Equals(c.Name, spec.Name.Trim(), StringComparison.Ordinal)))
        {
            return ChannelRegistration.Refused($"A channel named '{spec.Name.Trim()}' already exists.");
        }

        string id = Guid.CreateVersion7(time.GetUtcNow()).ToString();
        var channel = new Channel(
            id,
            spec.Name.Trim(),
            profile.Id,
            baseUrl,
            models,
            spec.Priority,
            allowPrivate,
            string.IsNullOrEmpty(spec.Credential) ? null : store.EncryptCredential(id, string.Join('\n', SplitPool(spec.Credential))),
            spec.ManagedSimulator,
            time.GetUtcNow(),
            spec.Tuning)
        {
            KeyPoolSize = string.IsNullOrEmpty(spec.Credential) ? 0 : SplitPool(spec.Credential).Length,
        };
        store.Insert(channel);
        return ChannelRegistration.Added(channel);
    }

    /// <summary>
    /// Edits a channel: any of enabled, priority, weight and models (null keeps the current value), validated as
    /// <see cref="Add"/> validates them. Null channel and a problem when it cannot be done; the base URL, provider and
    /// credential are not editable here (remove and add the channel: the credential is typed once).
    /// </summary>
    public ChannelRegistration Update(string idOrName, bool? enabled, int? priority, int? weight, IReadOnlyList<string>? models)
    {
        if (store.List().FirstOrDefault(c => c.Id == idOrName || c.Name == idOrName) is not { } channel)
        {
            return ChannelRegistration.Refused($"No channel with id or name '{idOrName}'.");
        }

        var newModels = models is null
            ? channel.Models
            : models.Select(m => m.Trim()).Where(m => m.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (newModels.Count == 0)
        {
            return ChannelRegistration.Refused("A channel must serve at least one model.");
        }

        if (aliases is not null && models is not null && newModels.Select(aliases.ModelNameProblem).FirstOrDefault(p => p is not null) is { } aliasProblem)
        {
            return ChannelRegistration.Refused(aliasProblem);
        }

        if (weight is < 1)
        {
            return ChannelRegistration.Refused("A channel's weight must be at least 1.");
        }

        store.Update(channel, enabled ?? channel.Enabled, priority ?? channel.Priority, weight ?? channel.Tuned.Weight, newModels);
        return ChannelRegistration.Added(store.List().First(c => c.Id == channel.Id));
    }

    /// <summary>
    /// The keys of a channel's pool: an operator may give several upstream keys separated by commas, spaces or line
    /// breaks (API keys contain none of them); they are stored one per line inside the one encrypted credential.
    /// </summary>
    public static string[] SplitPool(string credential) =>
        credential.Split([',', '\n', '\r', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
}
