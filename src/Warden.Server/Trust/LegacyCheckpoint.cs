using System.Text;
using Warden.Core.Trust;

namespace Warden.Server.Trust;

/// <summary>
/// Reads the checkpoints Warden signed before they were C2SP signed notes: "— &lt;kid&gt; &lt;base64 ES256 r||s&gt;"
/// lines (no key ID) under the origin <c>warden/transparency-log</c>, signed with the receipt key. Only the start
/// check uses it, so that an install's first start after the upgrade still checks its log against the last checkpoint
/// it signed the old way before it signs new ones.
/// </summary>
internal static class LegacyCheckpoint
{
    private const string Prefix = "\u2014 ";

    /// <summary>The checkpoint and the receipt key id that signed it, when a published key's signature verifies.</summary>
    public static CheckpointVerification Verify(string signedText, JsonWebKeySet keys)
    {
        int split = signedText.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !Checkpoint.TryParseBody(signedText[..(split + 1)], out Checkpoint? checkpoint, out string? error))
        {
            return new CheckpointVerification(false, "not a checkpoint", null, null);
        }

        byte[] body = Encoding.UTF8.GetBytes(signedText[..(split + 1)]);
        foreach (string line in signedText[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.StartsWith(Prefix, StringComparison.Ordinal) ? line[Prefix.Length..].Split(' ') : [];
            if (fields.Length == 2 && keys.Find(fields[0]) is { } key)
            {
                try
                {
                    bool valid = key.Verify(body, Convert.FromBase64String(fields[1]));
                    return new CheckpointVerification(valid, valid ? $"signed by receipt key {key.KeyId}" : $"the signature by key {key.KeyId} does not verify", checkpoint, key.KeyId);
                }
                catch (FormatException)
                {
                    return new CheckpointVerification(false, "the signature is not base64", checkpoint, key.KeyId);
                }
            }
        }

        return new CheckpointVerification(false, error ?? "no signature by a published key", checkpoint, null);
    }
}
