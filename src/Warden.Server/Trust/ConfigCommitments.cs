using System.Data.Common;
using System.Text;
using System.Text.Json;

namespace Warden.Server.Trust;

/// <summary>
/// What the transparency log committed about the configuration, and the check of the tables against it. Every
/// configuration entry carries the new state of the objects it changed and the digest of the whole configuration
/// after it; replaying the entries in order rebuilds the state the log last committed. The tables must hash to that
/// digest at start, on every reload and before every configuration write: an edit made beside Warden (an operator
/// with the SQLite file) is refused, naming the object and field that differ (issue 19).
/// </summary>
internal static class ConfigCommitments
{
    /// <summary>The entry that commits the whole configuration at once, written when a log holds no commitment yet (an install from before issue 19).</summary>
    public const string BaselineAction = "config.baseline";

    /// <summary>The last entry that commits to a configuration digest, or null when none does.</summary>
    public static (long Index, string Digest)? LastCommitted(DbConnection connection, DbTransaction? transaction)
    {
        // Through the partial index over configuration entries (migration 0008), newest first: entries from before the
        // commitments were logged carry no digest and are passed over.
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT idx, entry FROM log_entries WHERE kind <> 'receipt' ORDER BY idx DESC";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            if (DigestOf((byte[])reader.GetValue(1)) is { } digest)
            {
                return (reader.GetInt64(0), digest);
            }
        }

        return null;
    }

    /// <summary>
    /// Checks <paramref name="tables"/> against the log's last commitment: throws <see cref="InvalidDataException"/>
    /// naming every object that differs. A log that commits to nothing yet gets a baseline entry of the tables as they
    /// are (returns true), unless they are empty (a new data folder).
    /// </summary>
    public static bool Verify(DbConnection connection, DbTransaction transaction, ConfigState tables, string by, DateTimeOffset at)
    {
        if (LastCommitted(connection, transaction) is not { } last)
        {
            if (tables.Objects.Count == 0)
            {
                return false;
            }

            Append(connection, transaction, new ConfigEvent(BaselineAction, "(all)", by), ConfigState.Empty, tables, at);
            return true;
        }

        if (string.Equals(last.Digest, tables.Digest(), StringComparison.Ordinal))
        {
            return false;
        }

        throw Mismatch(last.Index, Differences(connection, transaction, tables, last));
    }

    /// <summary>
    /// Checks <paramref name="tables"/> against the log; null when they match. Read both in the same
    /// <paramref name="transaction"/>: a change committed between the two reads would look like an edit.
    /// </summary>
    public static string? Check(DbConnection connection, DbTransaction transaction, ConfigState tables)
    {
        if (LastCommitted(connection, transaction) is not { } last || string.Equals(last.Digest, tables.Digest(), StringComparison.Ordinal))
        {
            return null;
        }

        return Mismatch(last.Index, Differences(connection, transaction, tables, last)).Message;
    }

    /// <summary>Appends <paramref name="logEvent"/> with the objects that differ between the two states and the digest of <paramref name="after"/>.</summary>
    public static long Append(DbConnection connection, DbTransaction transaction, ConfigEvent logEvent, ConfigState before, ConfigState after, DateTimeOffset at) =>
        LogEntryRows.Append(connection, transaction, LogEntryRows.ConfigKind, logEvent.ToEntry(at, before.ChangesTo(after), after.Digest()), at);

    /// <summary>The state the log committed, object by object, with the index of the entry that last set each.</summary>
    public static Dictionary<string, (byte[] State, long Index)> Replay(DbConnection connection, DbTransaction? transaction)
    {
        var state = new Dictionary<string, (byte[] State, long Index)>(StringComparer.Ordinal);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT idx, entry FROM log_entries WHERE kind <> 'receipt' ORDER BY idx";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            long index = reader.GetInt64(0);
            using var document = Parse((byte[])reader.GetValue(1));
            var root = document?.RootElement;
            if (root is not { ValueKind: JsonValueKind.Object } entry
                || !entry.TryGetProperty("config_digest", out _)
                || !entry.TryGetProperty("changes", out var changes)
                || changes.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            if (entry.TryGetProperty("action", out var action) && action.ValueEquals(BaselineAction))
            {
                state.Clear();
            }

            foreach (var change in changes.EnumerateArray())
            {
                if (change.ValueKind != JsonValueKind.Object
                    || !change.TryGetProperty("object", out var id) || id.ValueKind != JsonValueKind.String
                    || !change.TryGetProperty("state", out var value))
                {
                    continue;
                }

                if (value.ValueKind == JsonValueKind.Null)
                {
                    state.Remove(id.GetString()!);
                }
                else
                {
                    state[id.GetString()!] = (Encoding.UTF8.GetBytes(value.GetRawText()), index);
                }
            }
        }

        return state;
    }

    // What differs between the tables and the replayed log, object by object, e.g. "channel sim-ext: base_url differs from log entry 17".
    private static List<string> Differences(DbConnection connection, DbTransaction? transaction, ConfigState tables, (long Index, string Digest) last)
    {
        var logged = Replay(connection, transaction);
        var found = new List<string>();
        foreach (var (id, stored) in tables.Objects)
        {
            string name = Display(id);
            if (!logged.Remove(id, out var entry))
            {
                found.Add($"{name}: not in the log");
            }
            else if (!entry.State.AsSpan().SequenceEqual(stored))
            {
                var fields = ConfigState.FieldsThatDiffer(entry.State, stored);
                found.Add($"{name}: {string.Join(", ", fields)} {(fields.Count == 1 ? "differs" : "differ")} from log entry {entry.Index}");
            }
        }

        foreach (var (id, entry) in logged.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            found.Add($"{Display(id)}: missing from the tables (logged in entry {entry.Index})");
        }

        if (found.Count == 0)
        {
            // Every object matches the replayed entries, so the last entry's digest does not match its own history.
            found.Add($"log entry {last.Index} commits to a configuration digest that its logged states do not hash to");
        }

        return found;
    }

    // "channel/sim-ext" → "channel sim-ext".
    private static string Display(string id)
    {
        int slash = id.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? id : id[..slash] + " " + id[(slash + 1)..];
    }

    private static InvalidDataException Mismatch(long lastIndex, List<string> differences) =>
        new($"the configuration tables differ from what the transparency log committed (last in entry {lastIndex}): "
            + string.Join("; ", differences) + ". Refusing to run on configuration that was changed outside Warden.");

    private static string? DigestOf(byte[] entry)
    {
        using var document = Parse(entry);
        return document?.RootElement is { ValueKind: JsonValueKind.Object } root
            && root.TryGetProperty("config_digest", out var digest) && digest.ValueKind == JsonValueKind.String
            ? digest.GetString()
            : null;
    }

    private static JsonDocument? Parse(byte[] entry)
    {
        try
        {
            return JsonDocument.Parse(entry);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
