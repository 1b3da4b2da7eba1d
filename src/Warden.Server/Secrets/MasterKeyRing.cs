using System.Security.Cryptography;
using System.Text;

namespace Warden.Server.Secrets;

/// <summary>
/// The master keys that encrypt secrets at rest with AES-256-GCM. Each ciphertext is stored with the id of
/// the key that made it, so rotation can re-encrypt and a ring can hold the old and new key while it does.
/// </summary>
/// <remarks>
/// Source, in order: the <c>WARDEN_MASTER_KEY</c> environment variable (base64 of 32 bytes), else the file
/// <c>master.key</c> in the data folder, created on first start with mode 0600 and refused when other users may
/// read or write it. The file holds one "id base64" line per key; the last line is the current key. A ring read from
/// the file follows it: a rotation run by another process (<c>warden secrets rotate</c> beside a running server) is
/// picked up on the first ciphertext under a key the ring does not hold, and before the next encryption.
/// </remarks>
internal sealed class MasterKeyRing
{
    public const string EnvironmentVariable = "WARDEN_MASTER_KEY";
    public const string FileName = "master.key";
    private const int KeySize = 32;
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Group and other permission bits: a key file with any of them set is refused.</summary>
    private const UnixFileMode NotOwnerBits =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    private readonly Lock _refreshGate = new();

    // Swapped whole when the file is read again; never changed in place.
    private (string Id, byte[] Key)[] _keys;

    // Set on a ring loaded from its file: a running server follows `warden secrets rotate` run beside it (issue 18).
    private readonly bool _followsFile;
    private FileStamp? _stamp;

    private MasterKeyRing((string Id, byte[] Key)[] keys, string? filePath, bool followsFile = false, FileStamp? stamp = null)
    {
        _keys = keys;
        FilePath = filePath;
        _followsFile = followsFile;
        _stamp = stamp;
    }

    /// <summary>The key file, or null when the key comes from the environment.</summary>
    public string? FilePath { get; }

    public string CurrentKeyId => Volatile.Read(ref _keys)[^1].Id;

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

        RefuseReadableByOthers(path);
        var stamp = FileStamp.Of(path);
        return new MasterKeyRing(ReadKeyFile(path), path, followsFile: true, stamp);
    }

    /// <summary>
    /// Whether this ring holds the key <paramref name="keyId"/>; a ring that follows its file reads the file again first
    /// when it does not (the key may come from a rotation run by another process).
    /// </summary>
    public bool Holds(string keyId) => Find(keyId) is not null;
    public static string NewKeyBase64() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeySize));

    /// <summary>Encrypts with the current key. <paramref name="purpose"/> is bound as associated data, so a ciphertext moved to another row fails to decrypt.</summary>
    public EncryptedSecret Encrypt(ReadOnlySpan<byte> plaintext, string purpose)
    {
        // After a rotation run by another process, a running server must encrypt under the new key: a secret written
        // under the retired key could not be read after the next start.
        if (_followsFile && FileStamp.Of(FilePath!) != Volatile.Read(ref _stamp))
        {
            Refresh();
        }

        var (id, key) = Volatile.Read(ref _keys)[^1];
        byte[] blob = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = blob.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, blob.AsSpan(NonceSize, plaintext.Length), blob.AsSpan(NonceSize + plaintext.Length), Encoding.UTF8.GetBytes(purpose));
        return new EncryptedSecret(id, blob);
    }

    public byte[] Decrypt(EncryptedSecret secret, string purpose)
    {
        byte[] key = Find(secret.KeyId)
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
    public MasterKeyRing WithNewKey(byte[] newKey) => new([.. Volatile.Read(ref _keys), (KeyId(newKey), newKey)], FilePath);

    public MasterKeyRing OnlyCurrent() => new([Volatile.Read(ref _keys)[^1]], FilePath);

    /// <summary>Writes the ring to its file (0600), replacing the old file atomically.</summary>
    public void Save()
    {
        if (FilePath is null)
        {
            throw new InvalidOperationException("The master key comes from the environment; there is no file to write.");
        }

        WriteKeyFile(FilePath, Volatile.Read(ref _keys));
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

    private byte[]? Find(string keyId)
    {
        if (Lookup(Volatile.Read(ref _keys), keyId) is { } key)
        {
            return key;
        }

        if (!_followsFile)
        {
            return null;
        }

        Refresh();
        return Lookup(Volatile.Read(ref _keys), keyId);
    }

    private static byte[]? Lookup((string Id, byte[] Key)[] keys, string keyId)
    {
        foreach (var (id, key) in keys)
        {
            if (id == keyId)
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads the key file again. The rotation replaces it by an atomic rename, so a read sees the old ring or the new,
    /// never half of one; a file that cannot be read leaves the keys already loaded in force.
    /// </summary>
    private void Refresh()
    {
        lock (_refreshGate)
        {
            var stamp = FileStamp.Of(FilePath!);
            if (stamp == _stamp)
            {
                return;
            }

            try
            {
                RefuseReadableByOthers(FilePath!);
                Volatile.Write(ref _keys, ReadKeyFile(FilePath!));
                Volatile.Write(ref _stamp, stamp);
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                // Keep serving with the keys loaded; the next unknown key id tries again.
            }
        }
    }

    private static (string Id, byte[] Key)[] ReadKeyFile(string path)
    {
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

        return keys.Count > 0 ? [.. keys] : throw new InvalidDataException($"{path} holds no key.");
    }

    /// <summary>
    /// Refuses a key file other users may read or write, as ssh refuses such a private key: whoever reads it decrypts
    /// every upstream credential in the database, and whoever writes it chooses the key new secrets are sealed with.
    /// Refused rather than warned about, because a warning scrolls past and the exposure stays (issue 18).
    /// </summary>
    private static void RefuseReadableByOthers(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & NotOwnerBits) != 0)
        {
            throw new InvalidDataException(
                $"{path} is accessible to other users (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); it must be readable by its owner only. " +
                $"Run: chmod 600 {path}");
        }
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
