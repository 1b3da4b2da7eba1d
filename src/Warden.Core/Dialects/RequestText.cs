using System.Buffers;
using System.Globalization;

namespace Warden.Core.Dialects;

/// <summary>
/// Checks that every string of a request body is text: the bytes are UTF-8, and no <c>\u</c> escape is half of a
/// surrogate pair. JSON's grammar allows a lone surrogate escape (<c>"h\ud800i"</c>) and Utf8JsonReader skips strings
/// without decoding them, but no string holding one can be decoded or re-encoded, and an upstream would refuse or
/// mangle it: refused here, at inspection, on pass-through and translated channels alike.
/// </summary>
public static class RequestText
{
    private static readonly SearchValues<byte> Backslash = SearchValues.Create("\\"u8);

    /// <summary>Null when the body's text is valid; else why not.</summary>
    public static RequestParseError? Check(ReadOnlySpan<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body))
        {
            return new RequestParseError("The request body is not valid UTF-8.", null);
        }

        // Outside a string a backslash is not JSON at all (the reader refuses it), so every backslash here starts an
        // escape inside a string; the scan only has to pair surrogate escapes. Linear, and vectorised between escapes.
        int i = 0;
        while (true)
        {
            int next = body[i..].IndexOfAny(Backslash);
            if (next < 0)
            {
                return null;
            }

            i += next;
            if (i + 1 >= body.Length)
            {
                return null;
            }

            if (body[i + 1] != (byte)'u')
            {
                i += 2;
                continue;
            }

            if (!TryHex(body, i + 2, out int unit))
            {
                // Not a valid escape: the JSON reader reports where it broke.
                return null;
            }

            i += 6;
            if (char.IsLowSurrogate((char)unit))
            {
                return LoneSurrogate(unit);
            }

            if (char.IsHighSurrogate((char)unit))
            {
                if (i + 1 < body.Length && body[i] == (byte)'\\' && body[i + 1] == (byte)'u' && TryHex(body, i + 2, out int low) && char.IsLowSurrogate((char)low))
                {
                    i += 6;
                    continue;
                }

                return LoneSurrogate(unit);
            }
        }
    }

    private static RequestParseError LoneSurrogate(int unit) => new(
        string.Create(CultureInfo.InvariantCulture, $"The request body holds a string with a lone surrogate escape (\\u{unit:x4}), which is not text; send a complete surrogate pair or the character itself."),
        null);

    private static bool TryHex(ReadOnlySpan<byte> body, int start, out int value)
    {
        value = 0;
        if (start + 4 > body.Length)
        {
            return false;
        }

        for (int k = 0; k < 4; k++)
        {
            int digit = body[start + k] switch
            {
                >= (byte)'0' and <= (byte)'9' and var b => b - '0',
                >= (byte)'a' and <= (byte)'f' and var b => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' and var b => b - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }
}
