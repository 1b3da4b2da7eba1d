namespace Warden.Server.Secrets;

/// <summary>AES-256-GCM output as stored: the master key id beside nonce, ciphertext and tag.</summary>
internal sealed record EncryptedSecret(string KeyId, byte[] Ciphertext);
