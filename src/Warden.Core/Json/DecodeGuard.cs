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
}
