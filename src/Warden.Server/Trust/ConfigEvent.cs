using System.Buffers;
using System.Data.Common;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Server.Trust;

/// <summary>
/// A configuration change as recorded in the transparency log. Its entry is canonical JSON with the fields in this
/// fixed order: <c>{"type":"config","action":…,"subject":…,"at":…,"by":…,"changes":[{"object":…,"state":…},…],"config_digest":…}</c>.
/// It names what changed and who changed it, commits to the new state of every object the change touched (null: removed;
/// see <see cref="ConfigTables"/>) and to the digest of the whole configuration after it (<see cref="ConfigState.Digest"/>);
/// it never holds a credential, a key hash or any key material.
/// </summary>
/// <param name="Action">What happened, e.g. "channel.add", "key.revoke", "signing_key.rotate".</param>
/// <param name="Subject">The id or name of what changed.</param>
/// <param name="By">Who changed it: "cli", "server", or "admin:&lt;key id&gt;".</param>
internal sealed record ConfigEvent(string Action, string Subject, string By)
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The log entry bytes for an event that changes no configuration table (the log's origin, chosen once at first
    /// start): no <c>changes</c> and no <c>config_digest</c>, so the configuration check passes over it.
    /// </summary>
    public byte[] ToEntry(DateTimeOffset at)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteHead(writer, at);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// The log entry bytes (UTF-8 JSON) for this event at <paramref name="at"/>: the objects it changed, in ordinal order
    /// of their ids, each with its new state written byte for byte as <see cref="ConfigState"/> holds it (so a reader can
    /// hash the state's raw text), and the configuration digest after it.
    /// </summary>
    public byte[] ToEntry(DateTimeOffset at, IEnumerable<(string Id, byte[]? State)> changes, string configDigest)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteHead(writer, at);
            writer.WriteStartArray("changes");
            foreach (var (id, state) in changes)
            {
                writer.WriteStartObject();
                writer.WriteString("object", id);
                writer.WritePropertyName("state");
                if (state is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteRawValue(state, skipInputValidation: true);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("config_digest", configDigest);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Opens the entry's object and writes the fields every configuration entry starts with, in their fixed order.</summary>
    private void WriteHead(Utf8JsonWriter writer, DateTimeOffset at)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "config");
        writer.WriteString("action", Action);
        writer.WriteString("subject", Subject);
        writer.WriteString("at", Storage.SqlTime.Format(at));
        writer.WriteString("by", By);
    }

    /// <summary>
    /// The event a configuration statement records, read from the statement's verb and table and from its id or name
    /// parameter (never from any other parameter, so credentials and hashes cannot reach the log). A statement of an
    /// unknown shape is still logged, as "&lt;table&gt;.&lt;verb&gt;".
    /// </summary>
    public static ConfigEvent FromStatement(string sql, DbParameterCollection parameters, string by)
    {
        string text = sql.TrimStart();
        string verb = FirstWord(text).ToUpperInvariant();
        string table = verb switch
        {
            "INSERT" => WordAfter(text, "INTO"),
            "DELETE" => WordAfter(text, "FROM"),
            "UPDATE" => WordAfter(text, "UPDATE"),
            _ => "configuration",
        };
        string noun = table switch
        {
            "channels" => "channel",
            "client_keys" => "key",
            _ => table,
        };
        string action = (noun, verb) switch
        {
            ("key", "INSERT") => "key.create",
            ("key", "UPDATE") when text.Contains("revoked_at", StringComparison.OrdinalIgnoreCase) => "key.revoke",
            (_, "INSERT") => noun + ".add",
            (_, "DELETE") => noun + ".remove",
            (_, "UPDATE") => noun + ".update",
            _ => noun + "." + verb.ToLowerInvariant(),
        };
        string subject = Parameter(parameters, noun == "channel" ? "@name" : "@id")
            ?? Parameter(parameters, "@id")
            ?? Parameter(parameters, "@key")
            ?? (noun == "channel" && text.Contains("managed_simulator", StringComparison.OrdinalIgnoreCase) ? "(managed simulator channels)" : "(unnamed)");
        return new ConfigEvent(action, subject, by);
    }

    private static string? Parameter(DbParameterCollection parameters, string name) =>
        parameters.Contains(name) && parameters[name].Value is string value ? value : null;

    private static string FirstWord(string text)
    {
        int end = 0;
        while (end < text.Length && char.IsAsciiLetter(text[end]))
        {
            end++;
        }

        return text[..end];
    }

    private static string WordAfter(string text, string keyword)
    {
        string[] words = text.Split([' ', '\n', '\r', '\t', '('], StringSplitOptions.RemoveEmptyEntries);
        int at = Array.FindIndex(words, w => w.Equals(keyword, StringComparison.OrdinalIgnoreCase));
        return at >= 0 && at + 1 < words.Length ? words[at + 1].ToLowerInvariant() : "configuration";
    }
}

/// <summary>
/// Who is making configuration changes on the current async flow, for the log's "by" field. The database's default
/// actor applies ("cli" in the CLI, "server" in a running server); the admin API wraps its writes in
/// <see cref="Use"/> with "admin:&lt;key id&gt;".
/// </summary>
internal static class ConfigActor
{
    private static readonly AsyncLocal<string?> CurrentActor = new();

    /// <summary>The actor set on this flow, or null.</summary>
    public static string? Current => CurrentActor.Value;

    /// <summary>Sets the actor until the returned scope is disposed.</summary>
    public static IDisposable Use(string actor)
    {
        string? previous = CurrentActor.Value;
        CurrentActor.Value = actor;
        return new Scope(previous);
    }

    private sealed class Scope(string? previous) : IDisposable
    {
        public void Dispose() => CurrentActor.Value = previous;
    }
}
