using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;

namespace Warden.Core.Trust;

/// <summary>
/// Strict base64url (RFC 4648 §5, no padding) decoding: only the one canonical spelling of each byte string is
/// accepted, so changing a character of a signed token can never decode to the same bytes.
/// </summary>
internal static class Base64UrlText
{
    public static bool TryDecodeCanonical(ReadOnlySpan<char> text, [NotNullWhen(true)] out byte[]? bytes)
    {
        bytes = null;
        if (text.Contains('='))
        {
            return false;
        }

        byte[] decoded;
        try
        {
            decoded = Base64Url.DecodeFromChars(text);
        }
        catch (FormatException)
        {
            return false;
        }

        if (!text.SequenceEqual(Base64Url.EncodeToString(decoded)))
        {
            return false;
        }

        bytes = decoded;
        return true;
    }
}
