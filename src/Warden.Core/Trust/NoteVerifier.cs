using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;

namespace Warden.Core.Trust;

/// <summary>
/// A public key that verifies C2SP signed-note signatures (https://c2sp.org/signed-note): a key name, a 4-byte key ID
/// and an Ed25519 public key of one of two signature types: 0x01 (Ed25519 over the note text: the log's checkpoint
/// key) or 0x04 (timestamped Ed25519 cosignature, https://c2sp.org/tlog-cosignature: a witness's key). Its text form is
/// the vkey <c>&lt;name&gt;+&lt;hex key ID&gt;+&lt;base64(type || public key)&gt;</c>.
/// </summary>
public sealed class NoteVerifier
{
    /// <summary>Ed25519 signature over the note text (signed-note, "Signature types").</summary>
    public const byte Ed25519Type = 0x01;

    /// <summary>Timestamped Ed25519 checkpoint cosignature (tlog-cosignature, "cosignature/v1").</summary>
    public const byte CosignatureType = 0x04;

    private const int PublicKeySize = 32;
    private const int SignatureSize = 64;
    private const string CosignatureHeader = "cosignature/v1\n";

    private readonly PublicKey _key;

    private NoteVerifier(string name, byte type, byte[] publicKey, PublicKey key)
    {
        Name = name;
        Type = type;
        PublicKeyBytes = publicKey;
        KeyId = ComputeKeyId(name, type, publicKey);
        _key = key;
    }

    /// <summary>The key name written in signature lines.</summary>
    public string Name { get; }

    /// <summary>The signature type byte (0x01 or 0x04).</summary>
    public byte Type { get; }

    /// <summary>The key ID: the first four bytes, big-endian, of SHA-256(name || 0x0A || type || public key).</summary>
    public uint KeyId { get; }

    /// <summary>The 32-byte Ed25519 public key.</summary>
    public byte[] PublicKeyBytes { get; }

    /// <summary>The verifier for a name, type and raw Ed25519 public key.</summary>
    public static NoteVerifier Create(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        if (!IsValidKeyName(name))
        {
            throw new ArgumentException("A key name is non-empty, without spaces or '+'.", nameof(name));
        }

        if (type is not (Ed25519Type or CosignatureType))
        {
            throw new ArgumentOutOfRangeException(nameof(type), "Only the Ed25519 note (0x01) and cosignature (0x04) types are supported.");
        }

        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, publicKey, KeyBlobFormat.RawPublicKey, out PublicKey? key))
        {
            throw new ArgumentException("Not an Ed25519 public key.", nameof(publicKey));
        }

        return new NoteVerifier(name, type, publicKey.ToArray(), key!);
    }

    /// <summary>Parses a vkey; the key ID written in it must be the one its name, type and key give.</summary>
    public static bool TryParse(string? vkey, out NoteVerifier? verifier, out string? error)
    {
        verifier = null;
        // The base64 part may itself hold '+': only the first two separate.
        string[] parts = (vkey ?? "").Trim().Split('+', 3);
        if (parts.Length != 3 || !IsValidKeyName(parts[0]) || parts[1].Length != 8 || !parts[1].All(char.IsAsciiHexDigitLower))
        {
            error = "a verifier key is <name>+<8 lower-case hex digits>+<base64 key>";
            return false;
        }

        byte[] material;
        try
        {
            material = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException)
        {
            error = "the key part of the verifier key is not base64";
            return false;
        }

        if (material.Length != 1 + PublicKeySize || material[0] is not (Ed25519Type or CosignatureType))
        {
            error = "the verifier key is not an Ed25519 note key (type 0x01) or cosignature key (type 0x04)";
            return false;
        }

        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, material.AsSpan(1), KeyBlobFormat.RawPublicKey, out PublicKey? key))
        {
            error = "the verifier key does not hold an Ed25519 public key";
            return false;
        }

        var parsed = new NoteVerifier(parts[0], material[0], material[1..], key!);
        if (parsed.KeyId != uint.Parse(parts[1], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture))
        {
            error = "the key ID in the verifier key is not the hash of its name and key";
            return false;
        }

        verifier = parsed;
        error = null;
        return true;
    }

    /// <summary>The vkey text.</summary>
    public string ToVkey() =>
        Name + "+" + KeyId.ToString("x8", CultureInfo.InvariantCulture) + "+" + Convert.ToBase64String([Type, .. PublicKeyBytes]);

    /// <summary>
    /// Verifies the signature bytes of a signature line (after the 4-byte key ID) over the note text. For a cosignature
    /// the bytes are the 8-byte big-endian timestamp and the Ed25519 signature over "cosignature/v1\ntime T\n" + text;
    /// <paramref name="timestamp"/> is then that time (POSIX seconds).
    /// </summary>
    public bool Verify(string noteText, ReadOnlySpan<byte> signature, out long? timestamp)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        timestamp = null;
        if (Type == Ed25519Type)
        {
            return signature.Length == SignatureSize
                && SignatureAlgorithm.Ed25519.Verify(_key, Encoding.UTF8.GetBytes(noteText), signature);
        }

        if (signature.Length != 8 + SignatureSize)
        {
            return false;
        }

        ulong time = BinaryPrimitives.ReadUInt64BigEndian(signature);
        if (time > long.MaxValue)
        {
            return false;
        }

        bool valid = SignatureAlgorithm.Ed25519.Verify(_key, CosignedMessage(noteText, (long)time), signature[8..]);
        timestamp = valid ? (long)time : null;
        return valid;
    }

    /// <summary>The message a cosignature signs (tlog-cosignature, "Ed25519 signed message").</summary>
    internal static byte[] CosignedMessage(string noteText, long timestamp) =>
        Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{CosignatureHeader}time {timestamp}\n{noteText}"));

    /// <summary>SHA-256(name || 0x0A || type || public key)[:4], big-endian.</summary>
    internal static uint ComputeKeyId(string name, byte type, ReadOnlySpan<byte> publicKey)
    {
        byte[] input = [.. Encoding.UTF8.GetBytes(name), 0x0A, type, .. publicKey];
        return BinaryPrimitives.ReadUInt32BigEndian(SHA256.HashData(input));
    }

    /// <summary>Non-empty, no Unicode spaces, no '+', no control characters (signed-note, "Format").</summary>
    public static bool IsValidKeyName(string? name) =>
        !string.IsNullOrEmpty(name) && !name.Any(c => char.IsWhiteSpace(c) || c == '+' || char.IsControl(c));
}
