using System.Data.Common;
using Warden.Core.Providers;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Routing;

/// <summary>
/// Persistence of declared aliases, for the CLI and the admin API alike. An alias may not hide a model a channel
/// serves, duplicate another alias, or point to an alias (no chains): one name means one model, visibly.
/// </summary>
internal sealed class AliasStore(WardenDatabase database, ChannelStore channels, TimeProvider time)
{
    private const int MaxNameLength = 200;

    /// <summary>Declares an alias, or returns why it cannot be declared.</summary>
    public (ModelAlias? Alias, string? Problem) Add(string name, string model, string? provider, string? version)
    {
        name = name.Trim();
        model = model.Trim();
        provider = string.IsNullOrWhiteSpace(provider) ? null : provider.Trim();
        version = string.IsNullOrWhiteSpace(version) ? null : version.Trim();
        if ((NameProblem(name, "An alias name") ?? NameProblem(model, "The alias's model")) is { } invalid)
        {
            return (null, invalid);
        }

        if (string.Equals(name, model, StringComparison.Ordinal))
        {
            return (null, $"The alias '{name}' cannot point to itself.");
        }

        if (provider is not null && ProviderProfiles.Find(provider) is null)
        {
            return (null, $"Unknown provider '{provider}'. Known: {string.Join(", ", ProviderProfiles.All.Select(p => p.Id))}.");
        }

        var channelList = channels.List();
        if (channelList.FirstOrDefault(c => c.Models.Contains(name, StringComparer.Ordinal)) is { } serving)
        {
            return (null, $"'{name}' is a model that channel '{serving.Name}' serves; an alias must not hide a real model.");
        }

        var existing = List();
        if (existing.Any(a => string.Equals(a.Name, name, StringComparison.Ordinal)))
        {
            return (null, $"An alias named '{name}' already exists; remove it first to point it elsewhere.");
        }

        if (existing.Any(a => string.Equals(a.Name, model, StringComparison.Ordinal)))
        {
            return (null, $"'{model}' is itself an alias; an alias must point to a served model, not to another alias.");
        }

        if (existing.FirstOrDefault(a => string.Equals(a.Model, name, StringComparison.Ordinal)) is { } pointing)
        {
            return (null, $"The alias '{pointing.Name}' points to '{name}'; declaring '{name}' as an alias would make a chain.");
        }

        // docs/trust.md promises an alias points to a served model (issue 19: an alias of a model no channel served was
        // accepted); add the channel first.
        if (!channelList.Any(c => c.Models.Contains(model, StringComparer.Ordinal)))
        {
            return (null, $"No channel serves '{model}'; an alias must point to a served model. Add a channel serving it first.");
        }

        var alias = new ModelAlias(name, model, provider, version, time.GetUtcNow());
        int added;
        try
        {
            // The guards repeat the chain and collision checks inside the write, so a concurrent change cannot slip past them.
            added = database.ChangeConfiguration(
                """
                INSERT INTO model_aliases (name, model, provider, version, created_at)
                SELECT @name, @model, @provider, @version, @created
                WHERE NOT EXISTS (SELECT 1 FROM model_aliases WHERE name = @model OR model = @name)
                  AND NOT EXISTS (SELECT 1 FROM channels, json_each(channels.models) WHERE json_each.value = @name)
                  AND EXISTS (SELECT 1 FROM channels, json_each(channels.models) WHERE json_each.value = @model)
                """,
                p =>
                {
                    p.AddWithValue("@name", alias.Name);
                    p.AddWithValue("@model", alias.Model);
                    p.AddWithValue("@provider", (object?)alias.Provider ?? DBNull.Value);
                    p.AddWithValue("@version", (object?)alias.Version ?? DBNull.Value);
                    p.AddWithValue("@created", SqlTime.Format(alias.CreatedAt));
                },
                Event("alias.add", alias.Name));
        }
        catch (DbException ex) when (ex.IsConstraintViolation())
        {
            // SQLITE_CONSTRAINT: the same name was declared at the same moment.
            return (null, $"An alias named '{name}' already exists; remove it first to point it elsewhere.");
        }

        return added == 1 ? (alias, null) : (null, "The aliases or channels changed while declaring this alias; try again.");
    }

    /// <summary>Removes an alias; false when there is none by that name.</summary>
    public bool Remove(string name) => database.ChangeConfiguration(
        "DELETE FROM model_aliases WHERE name = @name",
        p => p.AddWithValue("@name", name.Trim()),
        Event("alias.remove", name.Trim())) > 0;

    public List<ModelAlias> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, model, provider, version, created_at FROM model_aliases ORDER BY name";
        using var reader = command.ExecuteReader();
        var aliases = new List<ModelAlias>();
        while (reader.Read())
        {
            aliases.Add(new ModelAlias(
                reader.GetString(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                SqlTime.Parse(reader.GetString(4))));
        }

        return aliases;
    }

    /// <summary>
    /// Why a channel may not serve <paramref name="model"/>: it is a declared alias name, and a name must mean one
    /// thing. Null when it may. (For the channel registrar, which the lead's routing change owns.)
    /// </summary>
    public string? ModelNameProblem(string model) =>
        List().Any(a => string.Equals(a.Name, model, StringComparison.Ordinal))
            ? $"'{model}' is a declared alias; remove the alias before a channel may serve a model by that name."
            : null;

    private ConfigEvent Event(string action, string subject) => new(action, subject, ConfigActor.Current ?? database.DefaultActor);

    private static string? NameProblem(string value, string what)
    {
        if (value.Length == 0)
        {
            return what + " is required.";
        }

        if (value.Length > MaxNameLength)
        {
            return $"{what} may be at most {MaxNameLength} characters.";
        }

        return value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? what + " may not contain spaces or control characters." : null;
    }
}
