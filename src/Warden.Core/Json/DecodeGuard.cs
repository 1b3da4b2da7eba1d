using Warden.Core.Canonical;
using Warden.Core.Dialects;

namespace Warden.Core.Json;

/// <summary>
/// Runs a decoder that reads a parsed document's strings and members. There an <see cref="InvalidOperationException"/>
/// means a string that is not valid UTF-8 or a member of the wrong kind: input that is not valid, like input that is not
/// JSON, so the decoder's answer is false rather than an exception that would escape the relay.
/// </summary>
internal static class DecodeGuard
{
    public delegate bool Decoder<T>(ReadOnlySpan<byte> body, out T result);

    public static bool Run<T>(ReadOnlySpan<byte> body, Decoder<T> decode, out T result)
    {
        try
        {
            return decode(body, out result);
        }
        catch (InvalidOperationException)
        {
            result = default!;
            return false;
        }
    }

    public delegate bool RequestDecoder(ReadOnlyMemory<byte> body, out CanonicalRequest request, out RequestParseError? error);

    /// <summary>
    /// The same for a client's request decoder: the inspector refuses bodies that are not text before any decoder runs,
    /// so this is the second line, and its answer is a 400 for the client rather than a 500.
    /// </summary>
    public static bool RunRequest(ReadOnlyMemory<byte> body, RequestDecoder decode, out CanonicalRequest request, out RequestParseError? error)
    {
        try
        {
            return decode(body, out request, out error);
        }
        catch (InvalidOperationException)
        {
            request = null!;
            error = new RequestParseError("The request body holds a string that is not valid Unicode text, or a member of the wrong kind.", null);
            return false;
        }
    }
}
