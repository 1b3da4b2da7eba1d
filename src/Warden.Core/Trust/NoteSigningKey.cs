using System.Buffers.Binary;
using System.Text;
using NSec.Cryptography;

namespace Warden.Core.Trust;

/// <summary>
/// The private half of a <see cref="NoteVerifier"/>: an Ed25519 key that writes C2SP signed-note signature lines,
/// either plain note signatures (type 0x01, the log's checkpoint key) or timestamped cosignatures (type 0x04, a
/// witness's key). Ed25519 because it is the one signed-note type every note verifier supports and the one
/// cosignature type that .NET can make here (ML-DSA-44 needs OpenSSL 3.5); the P-256 type 0x02 is defined only "as
/// implemented by" one Go program, with a different key ID rule.
/// </summary>
public sealed class NoteSigningKey : IDisposable
{
    private const int SeedSize = 32;
    private readonly Key _key;

    private NoteSigningKey(string name, byte type, Key key)
    {
        _key = key;
        Verifier = NoteVerifier.Create(name, type, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>The public side (name, key ID, vkey).</summary>
    public NoteVerifier Verifier { get; }

    /// <summary>The key name.</summary>
    public string Name => Verifier.Name;

    /// <summary>A new random key.</summary>
    public static NoteSigningKey Generate(string name, byte type) =>
        new(name, type, Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));

    /// <summary>The key from its 32-byte Ed25519 seed (as <see cref="ExportSeed"/> gives it).</summary>
    public static NoteSigningKey FromSeed(string name, byte type, ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedSize)
        {
            throw new ArgumentException("An Ed25519 seed is 32 bytes.", nameof(seed));
        }

        return new(name, type, Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey,
            new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    /// <summary>The 32-byte seed, to store encrypted. The caller zeroes it.</summary>
    public byte[] ExportSeed() => _key.Export(KeyBlobFormat.RawPrivateKey);

    /// <summary>The signature line over <paramref name="noteText"/> for a plain (0x01) key: "— name base64(keyID || sig)\n".</summary>
    public string SignLine(string noteText)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        if (Verifier.Type != NoteVerifier.Ed25519Type)
        {
            throw new InvalidOperationException("A cosignature key signs with a timestamp.");
        }

        return Line(SignatureAlgorithm.Ed25519.Sign(_key, Encoding.UTF8.GetBytes(noteText)), []);
    }

    /// <summary>The cosignature line (type 0x04) over a checkpoint's note text at POSIX time <paramref name="timestamp"/>.</summary>
    public string CosignLine(string noteText, long timestamp)
    {
        ArgumentNullException.ThrowIfNull(noteText);
        ArgumentOutOfRangeException.ThrowIfNegative(timestamp);
        if (Verifier.Type != NoteVerifier.CosignatureType)
        {
            throw new InvalidOperationException("Only a cosignature key makes cosignatures.");
        }

        byte[] time = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(time, (ulong)timestamp);
        return Line(SignatureAlgorithm.Ed25519.Sign(_key, NoteVerifier.CosignedMessage(noteText, timestamp)), time);
    }

    /// <inheritdoc />
    public void Dispose() => _key.Dispose();

    private string Line(byte[] signature, byte[] prefix)
    {
        byte[] bytes = new byte[4 + prefix.Length + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, Verifier.KeyId);
        prefix.CopyTo(bytes, 4);
        signature.CopyTo(bytes, 4 + prefix.Length);
        return "\u2014 " + Name + " " + Convert.ToBase64String(bytes) + "\n";
    }
}
