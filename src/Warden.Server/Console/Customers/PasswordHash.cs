using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Konscious.Security.Cryptography;

namespace Warden.Server.Console.Customers;

/// <summary>
/// Customer passwords as Argon2id (RFC 9106) in the PHC string format,
/// <c>$argon2id$v=19$m=&lt;KiB&gt;,t=&lt;passes&gt;,p=&lt;lanes&gt;$&lt;salt&gt;$&lt;hash&gt;</c> (base64 without padding), so every
/// stored hash names its own parameters and they can be raised later: a hash made with weaker ones than
/// <see cref="Current"/> verifies and is then rehashed (<see cref="NeedsRehash"/>).
/// </summary>
internal static class PasswordHash
{
    /// <summary>
    /// OWASP's Password Storage Cheat Sheet, first Argon2id option: 19 MiB of memory, 2 passes, 1 lane. The salt is
    /// 16 random bytes and the hash 32 bytes.
    /// </summary>
    public static readonly Argon2Parameters Current = new(MemoryKiB: 19 * 1024, Passes: 2, Lanes: 1);

    /// <summary>What a parsed hash may ask for at most: a tampered row must not make a sign-in allocate gigabytes.</summary>
    private const int MaxMemoryKiB = 1024 * 1024;
    private const int MaxPasses = 16;
    private const int MaxLanes = 16;
    private const int SaltSize = 16;
    private const int HashSize = 32;

    /// <summary>Passwords longer than this are refused before hashing (a megabyte password is a cost, not a secret).</summary>
    public const int MaxPasswordLength = 256;

    public const int MinPasswordLength = 12;

    public static string Hash(string password) => Hash(password, Current, RandomNumberGenerator.GetBytes(SaltSize));

    public static string Hash(string password, Argon2Parameters parameters, byte[] salt)
    {
        byte[] hash = Derive(password, parameters, salt, HashSize);
        return string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={parameters.MemoryKiB},t={parameters.Passes},p={parameters.Lanes}${B64(salt)}${B64(hash)}");
    }

    /// <summary>Whether <paramref name="password"/> matches <paramref name="phc"/>; the comparison takes the same time wherever they differ.</summary>
    public static bool Verify(string password, string phc)
    {
        if (Parse(phc) is not { } stored || password.Length > MaxPasswordLength)
        {
            return false;
        }

        byte[] computed = Derive(password, stored.Parameters, stored.Salt, stored.Hash.Length);
        return CryptographicOperations.FixedTimeEquals(computed, stored.Hash);
    }

    public static bool NeedsRehash(string phc) =>
        Parse(phc) is not { } stored
        || stored.Parameters.MemoryKiB < Current.MemoryKiB
        || stored.Parameters.Passes < Current.Passes;

    public static (Argon2Parameters Parameters, byte[] Salt, byte[] Hash)? Parse(string phc)
    {
        // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
        string[] parts = phc.Split('$');
        if (parts.Length != 6 || parts[0].Length != 0 || parts[1] != "argon2id" || parts[2] != "v=19")
        {
            return null;
        }

        int m = 0, t = 0, p = 0;
        foreach (string pair in parts[3].Split(','))
        {
            int eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq < 1 || !int.TryParse(pair.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            {
                return null;
            }

            switch (pair[..eq])
            {
                case "m": m = value; break;
                case "t": t = value; break;
                case "p": p = value; break;
                default: return null;
            }
        }

        if (m is < 8 or > MaxMemoryKiB || t is < 1 or > MaxPasses || p is < 1 or > MaxLanes || m < 8 * p
            || FromB64(parts[4]) is not { Length: >= 8 } salt || FromB64(parts[5]) is not { Length: >= 16 and <= 64 } hash)
        {
            return null;
        }

        return (new Argon2Parameters(m, t, p), salt, hash);
    }

    private static byte[] Derive(string password, Argon2Parameters parameters, byte[] salt, int size)
    {
        using var argon = new Argon2id(Encoding.UTF8.GetBytes(password))
        {
            Salt = salt,
            MemorySize = parameters.MemoryKiB,
            Iterations = parameters.Passes,
            DegreeOfParallelism = parameters.Lanes,
        };
        return argon.GetBytes(size);
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static byte[]? FromB64(string text)
    {
        string padded = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            return Convert.FromBase64String(padded);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
