using System.Buffers;
using System.Text;
using System.Text.Json;
using Warden.Server.Storage;
using Warden.Server.Trust;

namespace Warden.Server.Routing;

/// <summary>
/// Persistence of channel policies, for the CLI and the admin API alike. Setting a policy replaces the channel's
/// whole policy and raises its version; every set and clear is a transparency-log entry committed with the change.
/// </summary>
internal sealed class PolicyStore(WardenDatabase database, ChannelStore channels, TimeProvider time)
{
    /// <summary>The longest system prefix accepted (characters).</summary>
    public const int MaxSystemPrefixLength = 100_000;

    /// <summary>
    /// Fields no policy may override: the model (that would be substitution, which aliases and fallback lists
    /// declare instead) and the stream flag (the relay answers in the form the client asked for). In any case: an
    /// upstream whose parser matches names case-insensitively would read an override of "Model" as the model.
    /// </summary>
    public static readonly IReadOnlySet<string> ReservedFields = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "model", "stream" };

    /// <summary>Sets a channel's whole policy, or returns why it cannot be set.</summary>
    /// <param name="channel">The channel's id or name.</param>
    /// <param name="systemPrefix">Text to put before each request's system prompt, or null.</param>
    /// <param name="maxOutputTokensCap">The most output tokens a request may ask for, or null.</param>
    /// <param name="overrides">Top-level fields to set: field name to JSON text.</param>
    public (ChannelPolicy? Policy, string? Problem) Set(string channel, string? systemPrefix, long? maxOutputTokensCap, IReadOnlyDictionary<string, string> overrides)
    {
        if (Find(channel) is not { } target)
        {
            return (null, $"No channel with id or name '{channel}'.");
        }

        if (systemPrefix is not null && (string.IsNullOrWhiteSpace(systemPrefix) || systemPrefix.Length > MaxSystemPrefixLength))
        {
            return (null, $"A system prefix must be non-empty text of at most {MaxSystemPrefixLength} characters.");
        }

        if (maxOutputTokensCap is <= 0)
        {
            return (null, "The output-token cap must be a positive number.");
        }

        var normalised = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (field, json) in overrides)
        {
            if (OverrideProblem(field, json, out string? compact) is { } problem)
            {
                return (null, problem);
            }

            normalised[field] = compact!;
        }

        if (systemPrefix is null && maxOutputTokensCap is null && normalised.Count == 0)
        {
            return (null, "A policy must declare at least one change; to remove a channel's policy, clear it.");
        }

        database.ChangeConfiguration(
            """
            INSERT INTO channel_policies (channel_id, system_prefix, max_output_tokens_cap, overrides, version, updated_at)
            VALUES (@id, @prefix, @cap, @overrides, 1, @now)
            ON CONFLICT (channel_id) DO UPDATE SET
                system_prefix = excluded.system_prefix,
                max_output_tokens_cap = excluded.max_output_tokens_cap,
                overrides = excluded.overrides,
                version = channel_policies.version + 1,
                updated_at = excluded.updated_at
            """,
            p =>
            {
                p.AddWithValue("@id", target.Id);
                p.AddWithValue("@prefix", (object?)systemPrefix ?? DBNull.Value);
                p.AddWithValue("@cap", (object?)maxOutputTokensCap ?? DBNull.Value);
                p.AddWithValue("@overrides", WriteOverrides(normalised));
                p.AddWithValue("@now", SqlTime.Format(time.GetUtcNow()));
            },
            Event("policy.set", target.Name));
        return (List().Single(p => p.ChannelId == target.Id), null);
    }

    /// <summary>Removes a channel's policy; null when removed, else why not.</summary>
    public string? Clear(string channel)
    {
        if (Find(channel) is not { } target)
        {
            return $"No channel with id or name '{channel}'.";
        }

        int removed = database.ChangeConfiguration(
            "DELETE FROM channel_policies WHERE channel_id = @id",
            p => p.AddWithValue("@id", target.Id),
            Event("policy.clear", target.Name));
        return removed > 0 ? null : $"Channel '{target.Name}' has no policy.";
    }

    public List<ChannelPolicy> List()
    {
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT channel_id, system_prefix, max_output_tokens_cap, overrides, version, updated_at FROM channel_policies ORDER BY channel_id";
        using var reader = command.ExecuteReader();
        var policies = new List<ChannelPolicy>();
        while (reader.Read())
        {
            policies.Add(new ChannelPolicy(
                reader.GetString(0),
                reader.IsDBNull(1) ? null : reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetInt64(2),
                ReadOverrides(reader.GetString(3)),
                reader.GetInt32(4),
                SqlTime.Parse(reader.GetString(5))));
        }

        return policies;
    }

    /// <summary>Why an override cannot be declared, or null with its value as compact JSON.</summary>
    public static string? OverrideProblem(string field, string json, out string? compact)
    {
        compact = null;
        if (string.IsNullOrWhiteSpace(field) || field.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return "An override needs a field name without spaces.";
        }

        if (field.Contains('.', StringComparison.Ordinal))
        {
            return $"Overrides set top-level fields only ('{field}'); to change a nested value, override its whole top-level object.";
        }

        if (ReservedFields.Contains(field))
        {
            return $"'{field}' cannot be overridden: {(string.Equals(field, "model", StringComparison.OrdinalIgnoreCase) ? "a model is changed only by a declared alias or a key's fallback list" : "the relay answers in the form the client asked for")}.";
        }

        try
        {
            using var document = JsonDocument.Parse(json);
            var buffer = new ArrayBufferWriter<byte>();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                document.RootElement.WriteTo(writer);
            }

            compact = Encoding.UTF8.GetString(buffer.WrittenSpan);
            return null;
        }
        catch (JsonException)
        {
            return $"The override of '{field}' is not a JSON value (strings need quotes, e.g. {field}='\"text\"').";
        }
    }

    private Channel? Find(string idOrName) =>
        channels.List().FirstOrDefault(c => string.Equals(c.Id, idOrName, StringComparison.Ordinal) || string.Equals(c.Name, idOrName, StringComparison.Ordinal));

    private ConfigEvent Event(string action, string subject) => new(action, subject, ConfigActor.Current ?? database.DefaultActor);

    private static string WriteOverrides(IReadOnlyDictionary<string, string> overrides)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (field, json) in overrides)
            {
                writer.WritePropertyName(field);
                writer.WriteRawValue(json, skipInputValidation: false);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static SortedDictionary<string, string> ReadOverrides(string json)
    {
        var overrides = new SortedDictionary<string, string>(StringComparer.Ordinal);
        using var document = JsonDocument.Parse(json);
        foreach (var member in document.RootElement.EnumerateObject())
        {
            overrides[member.Name] = member.Value.GetRawText();
        }

        return overrides;
    }
}
