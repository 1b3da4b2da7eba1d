using System.Globalization;

namespace Warden.Core.Trust;

/// <summary>
/// A statement of the log's state in the C2SP checkpoint form (https://c2sp.org/tlog-checkpoint):
/// <code>
/// &lt;origin&gt;\n
/// &lt;tree size, decimal&gt;\n
/// &lt;root hash, standard base64 with padding&gt;\n
/// </code>
/// followed by optional extension lines. Warden writes none (the spec advises against them: monitors cannot audit
/// them); checkpoints signed before the signed-note form carried "timestamp &lt;Unix ms&gt;", which parses as one.
/// Only the canonical spelling parses (no leading zeros, no '\r', no empty extension lines).
/// </summary>
public sealed record Checkpoint
{
    /// <summary>A checkpoint without extension lines.</summary>
    public Checkpoint(string origin, long treeSize, byte[] rootHash)
        : this(origin, treeSize, rootHash, [])
    {
    }

    private Checkpoint(string origin, long treeSize, byte[] rootHash, IReadOnlyList<string> extensions)
    {
        ArgumentNullException.ThrowIfNull(rootHash);
        if (!IsValidOrigin(origin))
        {
            throw new ArgumentException("The origin must be non-empty text without control characters or surrounding spaces.", nameof(origin));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(treeSize);
        if (rootHash.Length != MerkleHash.Size)
        {
            throw new ArgumentException($"A root hash is {MerkleHash.Size} bytes.", nameof(rootHash));
        }

        Origin = origin;
        TreeSize = treeSize;
        RootHashBase64 = Convert.ToBase64String(rootHash);
        Extensions = extensions;
    }

    /// <summary>The log's name, e.g. "warden.example.com/log".</summary>
    public string Origin { get; }

    /// <summary>Number of entries in the log.</summary>
    public long TreeSize { get; }

    /// <summary>The root hash in standard base64 (as written in the text).</summary>
    public string RootHashBase64 { get; }

    /// <summary>Extension lines after the root hash (none in checkpoints Warden signs now).</summary>
    public IReadOnlyList<string> Extensions { get; }

    /// <summary>The 32-byte root hash.</summary>
    public byte[] RootHash() => Convert.FromBase64String(RootHashBase64);

    /// <summary>The text that is signed.</summary>
    public string ToBodyText() =>
        string.Create(CultureInfo.InvariantCulture, $"{Origin}\n{TreeSize}\n{RootHashBase64}\n") + string.Concat(Extensions.Select(e => e + "\n"));

    /// <summary>Parses a checkpoint's note text; anything else is refused with a reason.</summary>
    public static bool TryParseBody(string text, out Checkpoint? checkpoint, out string? error)
    {
        ArgumentNullException.ThrowIfNull(text);
        checkpoint = null;
        if (text.Length == 0 || text[^1] != '\n')
        {
            error = "the checkpoint body must end with a newline";
            return false;
        }

        string[] lines = text[..^1].Split('\n');
        if (lines.Length < 3 || lines.Skip(3).Any(l => l.Length == 0 || l.Any(char.IsControl)))
        {
            error = "the checkpoint body has three lines (origin, size, root hash) and only non-empty extension lines after them";
            return false;
        }

        if (!IsValidOrigin(lines[0]))
        {
            error = "the origin line is empty or has control characters";
            return false;
        }

        if (!TryParseCanonicalNumber(lines[1], out long size))
        {
            error = "the size line is not a canonical decimal number";
            return false;
        }

        byte[] root;
        try
        {
            root = Convert.FromBase64String(lines[2]);
        }
        catch (FormatException)
        {
            error = "the root hash line is not base64";
            return false;
        }

        if (root.Length != MerkleHash.Size || Convert.ToBase64String(root) != lines[2])
        {
            error = "the root hash line is not the canonical base64 of 32 bytes";
            return false;
        }

        checkpoint = new Checkpoint(lines[0], size, root, lines[3..]);
        error = null;
        return true;
    }

    private static bool IsValidOrigin(string? origin) =>
        !string.IsNullOrEmpty(origin)
        && origin.Trim() == origin
        && !origin.Any(char.IsControl);

    private static bool TryParseCanonicalNumber(string text, out long value)
    {
        value = 0;
        return text.Length > 0
            && text.All(char.IsAsciiDigit)
            && (text.Length == 1 || text[0] != '0')
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
