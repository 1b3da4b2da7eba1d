using System.Security.Cryptography;
using System.Text;

namespace Warden.Core.Protection;

/// <summary>
/// The placeholder that stands for one masked value: <c>[[pii:&lt;class&gt;:&lt;id&gt;]]</c>, for example
/// <c>[[pii:phone:k7q2mxr4]]</c>. The id is the first 40 bits of HMAC-SHA256(conversation key, class || 0 || value) in
/// lower-case base32, so the same value gets the same placeholder in every turn of a conversation and nothing about
/// the value can be read from it without the key. The shape is chosen so that models copy it exactly (short ASCII
/// words and punctuation they see in templates), the class tells the model what kind of value stands there, it
/// needs no escaping in JSON, Markdown or SSE (no quotes, backslashes, angle brackets or control characters), and
/// "[[pii:" followed by a class name and an id of that alphabet does not occur by accident.
/// </summary>
internal static class Placeholder
{
    public const string Prefix = "[[pii:";

    public const string Suffix = "]]";

    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>The placeholder for <paramref name="value"/>, with an id of 5 bytes (8 characters) or, after a collision, 10.</summary>
    public static string Create(ReadOnlySpan<byte> key, PersonalDataClass kind, string value, int idBytes)
    {
        int length = Encoding.UTF8.GetByteCount(kind.Name) + 1 + Encoding.UTF8.GetByteCount(value);
        byte[] data = new byte[length];
        int written = Encoding.UTF8.GetBytes(kind.Name, data);
        data[written] = 0;
        Encoding.UTF8.GetBytes(value, data.AsSpan(written + 1));
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(key, data, mac);

        var builder = new StringBuilder(Prefix.Length + kind.Name.Length + 1 + 16 + Suffix.Length);
        builder.Append(Prefix).Append(kind.Name).Append(':');
        // 5 bits per character, over the first idBytes bytes.
        int bits = idBytes * 8;
        for (int bit = 0; bit < bits; bit += 5)
        {
            int index = bit / 8;
            int pair = (mac[index] << 8) | mac[index + 1];
            builder.Append(Base32[(pair >> (11 - (bit % 8))) & 31]);
        }

        return builder.Append(Suffix).ToString();
    }

    public static bool IsBodyChar(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '_' or '-' or ':';

    /// <summary>What stands at the start of <paramref name="text"/>.</summary>
    /// <param name="text">The text from a '[' on.</param>
    /// <param name="maxLength">The longest placeholder that can be complete here.</param>
    /// <param name="length">The placeholder's length when complete.</param>
    public static PlaceholderShape Examine(ReadOnlySpan<char> text, int maxLength, out int length)
    {
        length = 0;
        int prefix = Math.Min(text.Length, Prefix.Length);
        if (!text[..prefix].SequenceEqual(Prefix.AsSpan(0, prefix)))
        {
            return PlaceholderShape.None;
        }

        if (text.Length <= Prefix.Length)
        {
            return PlaceholderShape.Partial;
        }

        for (int k = Prefix.Length; k < text.Length; k++)
        {
            char c = text[k];
            if (c == ']')
            {
                if (k + 1 == text.Length)
                {
                    return k + 1 <= maxLength ? PlaceholderShape.Partial : PlaceholderShape.None;
                }

                if (text[k + 1] != ']')
                {
                    return PlaceholderShape.None;
                }

                length = k + 2;
                return length <= maxLength ? PlaceholderShape.Complete : PlaceholderShape.None;
            }

            if (!IsBodyChar(c) || k + 1 + Suffix.Length > maxLength)
            {
                return PlaceholderShape.None;
            }
        }

        return PlaceholderShape.Partial;
    }
}

/// <summary>What <see cref="Placeholder.Examine"/> saw.</summary>
internal enum PlaceholderShape
{
    None,

    /// <summary>The text ends inside what may become a placeholder: hold it until more text comes.</summary>
    Partial,

    Complete,
}
