using System.Globalization;
using System.Text;

namespace Warden.Core.Trust;

/// <summary>
/// The body of a C2SP tlog-witness <c>add-checkpoint</c> call (https://c2sp.org/tlog-witness): "old &lt;size&gt;\n",
/// up to 63 consistency-proof lines (base64 hashes), an empty line, then the signed checkpoint.
/// </summary>
/// <param name="OldSize">The size of the checkpoint the client believes the witness last cosigned (0: none).</param>
/// <param name="Proof">The consistency proof from <paramref name="OldSize"/> to the checkpoint's size.</param>
/// <param name="SignedCheckpoint">The signed checkpoint note.</param>
public sealed record AddCheckpointRequest(long OldSize, IReadOnlyList<byte[]> Proof, string SignedCheckpoint)
{
    /// <summary>The most proof lines a client may send.</summary>
    public const int MaxProofLines = 63;

    /// <summary>The request body text.</summary>
    public string ToBody()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"old {OldSize}\n");
        foreach (byte[] hash in Proof)
        {
            text.Append(Convert.ToBase64String(hash)).Append('\n');
        }

        return text.Append('\n').Append(SignedCheckpoint).ToString();
    }

    /// <summary>Parses a request body; a malformed one is refused with a reason (the witness answers 400).</summary>
    public static bool TryParse(string body, out AddCheckpointRequest? request, out string? error)
    {
        ArgumentNullException.ThrowIfNull(body);
        request = null;
        int split = body.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0)
        {
            error = "no empty line after the old size and proof lines";
            return false;
        }

        string[] lines = body[..split].Split('\n');
        if (!lines[0].StartsWith("old ", StringComparison.Ordinal) || !TryParseSize(lines[0][4..], out long oldSize))
        {
            error = "the first line is not \"old <size>\"";
            return false;
        }

        if (lines.Length - 1 > MaxProofLines)
        {
            error = $"more than {MaxProofLines} consistency proof lines";
            return false;
        }

        var proof = new List<byte[]>(lines.Length - 1);
        foreach (string line in lines.Skip(1))
        {
            byte[] hash;
            try
            {
                hash = Convert.FromBase64String(line);
            }
            catch (FormatException)
            {
                error = "a consistency proof line is not base64";
                return false;
            }

            if (hash.Length != MerkleHash.Size || Convert.ToBase64String(hash) != line)
            {
                error = "a consistency proof line is not the base64 of a 32-byte hash";
                return false;
            }

            proof.Add(hash);
        }

        request = new AddCheckpointRequest(oldSize, proof, body[(split + 2)..]);
        error = null;
        return true;
    }

    private static bool TryParseSize(string text, out long value)
    {
        value = 0;
        return text.Length > 0 && text.All(char.IsAsciiDigit) && (text.Length == 1 || text[0] != '0')
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
