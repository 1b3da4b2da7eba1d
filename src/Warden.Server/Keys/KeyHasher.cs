using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Keys;

/// <summary>
/// Makes and hashes client keys. A key is a recognisable prefix plus 256 random bits (base64url); only
/// HMAC-SHA256(pepper, key) is stored, so a stolen database yields no usable key and cannot be brute-forced
/// offline without the pepper, which is itself encrypted under the master key.
/// </summary>
internal sealed class KeyHasher(byte[] pepper)
{
    public const string ClientPrefix = "wdn_";
    public const string AdminPrefix = "wdn_admin_";
    private const int HintRandomChars = 4;

    public static string NewKey(KeyRole role) =>
        (role == KeyRole.Admin ? AdminPrefix : ClientPrefix) + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string HintOf(string key, KeyRole role)
    {
        int prefixLength = role == KeyRole.Admin ? AdminPrefix.Length : ClientPrefix.Length;
        return key[..(prefixLength + HintRandomChars)] + "…";
    }

    public byte[] Hash(string key)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(Math.Min(key.Length, 512))];
        int length = Encoding.UTF8.GetBytes(key.AsSpan(0, Math.Min(key.Length, 512)), utf8);
        return HMACSHA256.HashData(pepper, utf8[..length]);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
