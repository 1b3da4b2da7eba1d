using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Secrets;

/// <summary>
/// The master keys that encrypt secrets at rest with AES-256-GCM. Each ciphertext is stored with the id of
/// the key that made it, so rotation can re-encrypt and a ring can hold the old and new key while it does.
/// </summary>
/// <remarks>
/// Source, in order: the <c>WARDEN_MASTER_KEY</c> environment variable (base64 of 32 bytes), else the file
/// <c>master.key</c> in the data folder, created on first start with mode 0600. The file holds one
/// "id base64" line per key; the last line is the current key.
/// </remarks>
internal sealed class MasterKeyRing
{
    public const string EnvironmentVariable = "WARDEN_MASTER_KEY";
    public const string FileName = "master.key";
    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly List<(string Id, byte[] Key)> _keys;

    private MasterKeyRing(List<(string Id, byte[] Key)> keys, string? filePath)
    {
        _keys = keys;
        FilePath = filePath;
    }

    /// <summary>The key file, or null when the key comes from the environment.</summary>
    public string? FilePath { get; }

    public string CurrentKeyId => _keys[^1].Id;

    public static MasterKeyRing Load(string dataDirectory, string? environmentKey)
    {
        if (!string.IsNullOrWhiteSpace(environmentKey))
        {
            byte[] key = DecodeKey(environmentKey.Trim(), EnvironmentVariable);
            return new MasterKeyRing([(KeyId(key), key)], null);
        }

        string path = Path.Combine(dataDirectory, FileName);
        if (!File.Exists(path))
        {
            byte[] key = RandomNumberGenerator.GetBytes(KeySize);
            WriteKeyFile(path, [(KeyId(key), key)]);
        }

        var keys = new List<(string, byte[])>();
        foreach (string line in File.ReadAllLines(path))
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string[] parts = line.Split(' ', 2);
            if (parts.Length != 2)
            {
                throw new InvalidDataException($"{path} is not a Warden master key file.");
            }

            keys.Add((parts[0], DecodeKey(parts[1], path)));
        }

        if (keys.Count == 0)
        {
            throw new InvalidDataException($"{path} holds no key.");
        }

        return new MasterKeyRing(keys, path);
    }

    public static string NewKeyBase64() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeySize));

    /// <summary>Encrypts with the current key. <paramref name="purpose"/> is bound as associated data, so a ciphertext moved to another row fails to decrypt.</summary>
    public EncryptedSecret Encrypt(ReadOnlySpan<byte> plaintext, string purpose)
    {
        var (id, key) = _keys[^1];
        byte[] blob = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = blob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(NonceSize, plaintext.Length), blob.AsSpan(NonceSize + plaintext.Length), Encoding.UTF8.GetBytes(purpose));
        return new EncryptedSecret(id, blob);
    }

    public byte[] Decrypt(EncryptedSecret secret, string purpose)
    {
        byte[] key = _keys.FirstOrDefault(k => k.Id == secret.KeyId).Key
            ?? throw new CryptographicException(
                $"The master key '{secret.KeyId}' that encrypted this data folder's secrets is not available: " +
                $"check that {EnvironmentVariable} (or {FileName} in the data folder) is the key this folder was created or last rotated with.");
        var blob = secret.Ciphertext;
        if (blob.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("The stored secret is truncated.");
        }

        byte[] plaintext = new byte[blob.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(blob.AsSpan(0, NonceSize), blob.AsSpan(NonceSize, plaintext.Length), blob.AsSpan(NonceSize + plaintext.Length), plaintext, Encoding.UTF8.GetBytes(purpose));
        return plaintext;
    }

    /// <summary>Returns a ring whose current key is <paramref name="newKey"/> and which still holds every older key.</summary>
    public MasterKeyRing WithNewKey(byte[] newKey) => new([.. _keys, (KeyId(newKey), newKey)], FilePath);

    public MasterKeyRing OnlyCurrent() => new([_keys[^1]], FilePath);

    /// <summary>Writes the ring to its file (0600), replacing the old file atomically.</summary>
    public void Save()
    {
        if (FilePath is null)
        {
            throw new InvalidOperationException("The master key comes from the environment; there is no file to write.");
        }

        WriteKeyFile(FilePath, _keys);
    }

    public static byte[] DecodeKey(string base64, string source)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new InvalidDataException($"The master key in {source} is not base64.");
        }

        return key.Length == KeySize ? key : throw new InvalidDataException($"The master key in {source} must be {KeySize} bytes.");
    }

    // The id is a fingerprint of the key, not the key: 8 bytes of its SHA-256.
    private static string KeyId(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key).AsSpan(0, 8));

    private static void WriteKeyFile(string path, IEnumerable<(string Id, byte[] Key)> keys)
    {
        string temp = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temp, options))
        using (var writer = new StreamWriter(stream))
        {
            foreach (var (id, key) in keys)
            {
                writer.Write(id);
                writer.Write(' ');
                writer.Write(Convert.ToBase64String(key));
                writer.Write('\n');
            }

            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
