namespace Warden.Server.Secrets;

internal sealed record RotationResult(string OldKeyId, string NewKeyId, int SecretsReencrypted);
