using System.Buffers;
using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Warden.Server.Trust;

/// <summary>
/// The configuration in force as a set of objects: object id ("channel/sim-ext") → its canonical state, compact JSON
/// with the fields in <see cref="ConfigTables"/> order. The same bytes appear in the log's entries, so whoever reads
/// the entries can recompute <see cref="Digest"/> without Warden's code (docs/trust.md).
/// </summary>
internal sealed class ConfigState
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SortedDictionary<string, byte[]> _objects;

    public ConfigState(SortedDictionary<string, byte[]> objects) => _objects = objects;

    /// <summary>Objects by id, in ordinal order of their ids.</summary>
    public IReadOnlyDictionary<string, byte[]> Objects => _objects;

    /// <summary>An empty configuration.</summary>
    public static ConfigState Empty => new(new SortedDictionary<string, byte[]>(StringComparer.Ordinal));

    /// <summary>
    /// SHA-256 over every object in ordinal order of its id: the id's UTF-8 bytes, a line feed, the state's bytes, a
    /// line feed. Lower-case hex. The empty configuration's digest is SHA-256 of nothing.
    /// </summary>
    public string Digest()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (id, state) in _objects)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(id));
            hash.AppendData("\n"u8);
            hash.AppendData(state);
            hash.AppendData("\n"u8);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>Reads every registered table (<see cref="ConfigTables"/>) in <paramref name="transaction"/>.</summary>
    public static ConfigState Read(DbConnection connection, DbTransaction? transaction)
    {
        var objects = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var table in ConfigTables.All)
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = table.Select;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                objects[table.Kind + "/" + reader.GetString(0)] = Canonical(reader, table);
            }
        }

        return new ConfigState(objects);
    }

    /// <summary>The objects that differ between this state and <paramref name="after"/>: their new state, or null when removed.</summary>
    public IEnumerable<(string Id, byte[]? State)> ChangesTo(ConfigState after)
    {
        var ids = new SortedSet<string>(_objects.Keys, StringComparer.Ordinal);
        ids.UnionWith(after._objects.Keys);
        foreach (string id in ids)
        {
            after._objects.TryGetValue(id, out byte[]? next);
            _objects.TryGetValue(id, out byte[]? previous);
            if (next is null ? previous is not null : previous is null || !next.AsSpan().SequenceEqual(previous))
            {
                yield return (id, next);
            }
        }
    }

    /// <summary>The names of the fields whose values differ between two states of one object.</summary>
    public static IReadOnlyList<string> FieldsThatDiffer(byte[] logged, byte[] stored)
    {
        using var left = JsonDocument.Parse(logged);
        using var right = JsonDocument.Parse(stored);
        var names = new List<string>();
        var rightFields = right.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetRawText(), StringComparer.Ordinal);
        foreach (var field in left.RootElement.EnumerateObject())
        {
            if (!rightFields.Remove(field.Name, out string? value) || value != field.Value.GetRawText())
            {
                names.Add(field.Name);
            }
        }

        names.AddRange(rightFields.Keys);
        return names;
    }

    private static byte[] Canonical(DbDataReader reader, ConfigTable table)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            for (int i = 1; i < reader.FieldCount; i++)
            {
                string name = reader.GetName(i);
                if (reader.IsDBNull(i))
                {
                    writer.WriteNull(name);
                    continue;
                }

                switch (reader.GetValue(i))
                {
                    case long number:
                        writer.WriteNumber(name, number);
                        break;
                    case double real:
                        writer.WriteNumber(name, real);
                        break;
                    case string text when table.JsonColumns.Contains(name, StringComparer.Ordinal) && TryParse(text) is { } json:
                        writer.WritePropertyName(name);
                        json.RootElement.WriteTo(writer);
                        json.Dispose();
                        break;
                    case string text:
                        writer.WriteString(name, text);
                        break;
                    case byte[] bytes:
                        // No registered column holds bytes (credentials and hashes are never committed); a SHA-256 if one ever does.
                        writer.WriteString(name, Convert.ToHexStringLower(SHA256.HashData(bytes)));
                        break;
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    // Stored JSON text, compacted; text that is not JSON (a hand-edited row) is committed as the string it is.
    private static JsonDocument? TryParse(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
