using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Warden.Core.Canonical;
using Warden.Core.Dialects;

namespace Warden.Server.Routing;

/// <summary>
/// Derives the conversation key that keeps one conversation on one upstream key, so the provider's prompt cache
/// (which is per key or per account) keeps hitting. The result is a hex SHA-256 over the client key id, the model and
/// either an explicit session id or the stable start of the conversation; it never contains the content itself, is only
/// held in memory and must never be logged (it is still derived from prompts).
/// </summary>
/// <remarks>
/// Sources, first match wins:
/// <list type="number">
/// <item>A session header: <c>x-claude-code-session-id</c> (Claude Code), <c>session_id</c> / <c>session-id</c> (Codex),
/// or <c>x-session-affinity</c>, the generic one any client or proxy may set to pin its conversations.</item>
/// <item><c>prompt_cache_key</c> in an OpenAI body: the client's own explicit cache key, treated exactly like a session
/// header (same key for the same value), so Codex lands on the same key with or without its headers.</item>
/// <item>The stable prefix of the body, which every turn of a conversation re-sends: the system part plus the first turn
/// (OpenAI chat and Responses: leading system/developer messages and the first user message; Anthropic:
/// <c>system</c> and <c>messages[0]</c>; Gemini: <c>systemInstruction</c> and <c>contents[0]</c>).</item>
/// </list>
/// The prefix is hashed token by token in one reader pass rather than as raw bytes, so whitespace does not matter, and
/// <c>cache_control</c> properties are left out: Claude Code moves its cache breakpoint to the newest message every turn,
/// which changes the bytes of <c>messages[0]</c> between turn 1 and turn 2.
/// </remarks>
internal static class AffinityKey
{
    private const byte SessionMode = 1;
    private const byte PrefixMode = 2;
    private const byte SystemPart = 3;
    private const byte FirstTurn = 4;
    private const int StackStringLimit = 256;

    private static readonly string[] SessionHeaders = ["x-claude-code-session-id", "session_id", "session-id", "x-session-affinity"];

    public static string? From(IHeaderDictionary headers, ReadOnlySpan<byte> body, WireDialectName dialect, string clientKeyId, string model)
    {
        ArgumentNullException.ThrowIfNull(headers);
        foreach (string name in SessionHeaders)
        {
            if (headers.TryGetValue(name, out var values) && values.Count > 0 && values[0]?.Trim() is { Length: > 0 } session)
            {
                return FromSession(clientKeyId, model, session);
            }
        }

        try
        {
            return FromBody(body, dialect, clientKeyId, model);
        }
        catch (JsonException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            // GetString on a malformed string token.
            return null;
        }
    }

    private static string FromSession(string clientKeyId, string model, string session)
    {
        using var hash = Begin(clientKeyId, model, SessionMode);
        AppendString(hash, session);
        return Finish(hash);
    }

    private static string? FromBody(ReadOnlySpan<byte> body, WireDialectName dialect, string clientKeyId, string model)
    {
        var fields = WireDialects.For(dialect).Affinity;
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        using var hash = Begin(clientKeyId, model, PrefixMode);
        bool firstTurnSeen = false;
        string? promptCacheKey = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var part = fields.Classify(ref reader);
            reader.Read();
            switch (part)
            {
                case AffinityPart.System:
                    AppendTag(hash, SystemPart);
                    HashValue(ref reader, hash);
                    break;
                case AffinityPart.FirstOfList when reader.TokenType == JsonTokenType.StartArray:
                    firstTurnSeen |= HashFirstElement(ref reader, hash);
                    break;
                case AffinityPart.RoleList when reader.TokenType == JsonTokenType.StartArray:
                    firstTurnSeen |= HashLeadingSystemAndFirstUser(ref reader, hash);
                    break;
                case AffinityPart.RoleList when reader.TokenType == JsonTokenType.String:
                    // Responses accepts "input" as a bare string: that string is the first turn.
                    AppendTag(hash, FirstTurn);
                    HashValue(ref reader, hash);
                    firstTurnSeen = true;
                    break;
                case AffinityPart.PromptCacheKey when reader.TokenType == JsonTokenType.String:
                    promptCacheKey = reader.GetString();
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        // Reads past the end so trailing garbage is reported as invalid JSON like any other.
        reader.Read();

        if (promptCacheKey is { Length: > 0 })
        {
            return FromSession(clientKeyId, model, promptCacheKey);
        }

        return firstTurnSeen ? Finish(hash) : null;
    }

    /// <summary>At the start of an array: hashes its first element as the first turn and skips the rest.</summary>
    private static bool HashFirstElement(ref Utf8JsonReader reader, IncrementalHash hash)
    {
        bool found = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (found)
            {
                reader.Skip();
                continue;
            }

            AppendTag(hash, FirstTurn);
            HashValue(ref reader, hash);
            found = true;
        }

        return found;
    }

    /// <summary>
    /// At the start of an OpenAI message (or Responses item) array: hashes the system/developer messages before the
    /// first user message, and that user message; skips the rest. A message's role may come after its content, so each
    /// element is first walked on a copy of the reader (a struct, so copying it is a cheap bookmark) to find the role.
    /// </summary>
    private static bool HashLeadingSystemAndFirstUser(ref Utf8JsonReader reader, IncrementalHash hash)
    {
        bool userSeen = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (userSeen || reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            var bookmark = reader;
            var role = ReadRole(ref reader);
            if (role == Role.User)
            {
                AppendTag(hash, FirstTurn);
                HashValue(ref bookmark, hash);
                userSeen = true;
            }
            else if (role == Role.System)
            {
                AppendTag(hash, SystemPart);
                HashValue(ref bookmark, hash);
            }
        }

        return userSeen;
    }

    /// <summary>From an object's start to its end, finding its "role" without looking into anything else.</summary>
    private static Role ReadRole(ref Utf8JsonReader reader)
    {
        var role = Role.Other;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isRole = reader.ValueTextEquals("role"u8);
            reader.Read();
            if (isRole && reader.TokenType == JsonTokenType.String)
            {
                role = reader.ValueTextEquals("user"u8) ? Role.User
                    : reader.ValueTextEquals("system"u8) || reader.ValueTextEquals("developer"u8) ? Role.System
                    : Role.Other;
            }
            else
            {
                reader.Skip();
            }
        }

        return role;
    }

    /// <summary>Hashes the value the reader is on, token by token, leaving out cache_control properties; ends on its last token.</summary>
    private static void HashValue(ref Utf8JsonReader reader, IncrementalHash hash)
    {
        int depth = reader.CurrentDepth;
        AppendToken(hash, ref reader);
        if (reader.TokenType is not (JsonTokenType.StartObject or JsonTokenType.StartArray))
        {
            return;
        }

        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("cache_control"u8))
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            AppendToken(hash, ref reader);
            if (reader.CurrentDepth == depth && reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
            {
                return;
            }
        }
    }

    /// <summary>Token type, then (for names, strings and numbers) length-prefixed raw bytes, so token boundaries are unambiguous.</summary>
    private static void AppendToken(IncrementalHash hash, ref Utf8JsonReader reader)
    {
        AppendTag(hash, (byte)reader.TokenType);
        if (reader.TokenType is JsonTokenType.PropertyName or JsonTokenType.String or JsonTokenType.Number)
        {
            AppendLengthPrefixed(hash, reader.ValueSpan);
        }
    }

    private static IncrementalHash Begin(string clientKeyId, string model, byte mode)
    {
        var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        AppendString(hash, clientKeyId);
        AppendString(hash, model);
        AppendTag(hash, mode);
        return hash;
    }

    private static string Finish(IncrementalHash hash)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest);
    }

    private static void AppendTag(IncrementalHash hash, byte tag)
    {
        Span<byte> one = stackalloc byte[1];
        one[0] = tag;
        hash.AppendData(one);
    }

    private static void AppendString(IncrementalHash hash, string value)
    {
        int max = Encoding.UTF8.GetMaxByteCount(value.Length);
        Span<byte> bytes = max <= StackStringLimit ? stackalloc byte[StackStringLimit] : new byte[max];
        int written = Encoding.UTF8.GetBytes(value, bytes);
        AppendLengthPrefixed(hash, bytes[..written]);
    }

    private static void AppendLengthPrefixed(IncrementalHash hash, ReadOnlySpan<byte> data)
    {
        Span<byte> length = stackalloc byte[sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(length, data.Length);
        hash.AppendData(length);
        hash.AppendData(data);
    }

    private enum Role
    {
        Other,
        System,
        User,
    }
}
