using System.Text.Json;

namespace Warden.Core.Policy;

/// <summary>
/// Where each member of one JSON object sits in its text. A policy change splices new bytes at these offsets, so
/// every byte it does not change reaches the upstream exactly as the client sent it.
/// </summary>
internal sealed class JsonObjectLayout
{
    private JsonObjectLayout(int start, int end, IReadOnlyList<JsonMember> members)
    {
        Start = start;
        End = end;
        Members = members;
    }

    /// <summary>Offset of the opening brace.</summary>
    public int Start { get; }

    /// <summary>Offset just after the closing brace.</summary>
    public int End { get; }

    public IReadOnlyList<JsonMember> Members { get; }

    /// <summary>Where a new member goes: after the last member's value, or just inside the braces of an empty object.</summary>
    public int InsertionPoint => Members.Count > 0 ? Members[^1].ValueEnd : Start + 1;

    /// <summary>
    /// Reads the object that is the whole of <paramref name="json"/> (surrounding whitespace allowed); offsets are
    /// shifted by <paramref name="offset"/> so a nested object's layout points into its parent's text.
    /// </summary>
    /// <exception cref="FormatException">The text is not one valid JSON object.</exception>
    public static JsonObjectLayout Read(ReadOnlySpan<byte> json, int offset = 0)
    {
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new FormatException("The request body is not a JSON object.");
            }

            int start = (int)reader.TokenStartIndex;
            var members = new List<JsonMember>();
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string name = reader.GetString()!;
                reader.Read();
                var kind = reader.TokenType;
                int valueStart = (int)reader.TokenStartIndex;
                if (kind is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    reader.Skip();
                }

                members.Add(new JsonMember(name, valueStart + offset, (int)reader.BytesConsumed + offset, kind));
            }

            int end = (int)reader.BytesConsumed;
            if (reader.Read())
            {
                throw new FormatException("The request body has more than one JSON value.");
            }

            return new JsonObjectLayout(start + offset, end + offset, members);
        }
        catch (JsonException ex)
        {
            throw new FormatException($"The request body is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1}).", ex);
        }
    }

    /// <summary>Every member with one of these names, in document order (a name may repeat in JSON).</summary>
    public List<JsonMember> Named(params ReadOnlySpan<string> names)
    {
        var found = new List<JsonMember>();
        foreach (var member in Members)
        {
            foreach (string name in names)
            {
                if (string.Equals(member.Name, name, StringComparison.Ordinal))
                {
                    found.Add(member);
                    break;
                }
            }
        }

        return found;
    }

    /// <summary>The text of a member's value.</summary>
    public static ReadOnlySpan<byte> ValueOf(ReadOnlySpan<byte> json, JsonMember member) => json[member.ValueStart..member.ValueEnd];

    /// <summary>The offset just inside the opening bracket of an array member, and whether the array is empty.</summary>
    public static (int Inside, bool Empty) ArrayOpening(ReadOnlySpan<byte> json, JsonMember array)
    {
        var reader = new Utf8JsonReader(ValueOf(json, array));
        reader.Read();
        reader.Read();
        return (array.ValueStart + 1, reader.TokenType == JsonTokenType.EndArray);
    }
}
